import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { renderAll } from '../../src/render/render-all.js'
import { manifestLines, type RenderedStation } from '../../src/render/station.js'
import { fixedResolver, loadMini, qingchengPresent, QINGCHENG } from './helpers.js'

/*
 * Golden files: tests/golden/<station-id>/<station path> plus MANIFEST (the
 * agent's manifest lines and the config id). Rendered with fixed secret
 * values. `UPDATE_GOLDEN=1 npx vitest run --project unit tests/render` rewrites them.
 */
const GOLDEN = path.resolve('tests/golden')
const update = process.env.UPDATE_GOLDEN === '1'

async function checkGolden(r: RenderedStation): Promise<void> {
  const dir = path.join(GOLDEN, r.stationId)
  const expected: Record<string, string> = { MANIFEST: `config ${r.configId}\n${manifestLines(r).join('\n')}\n` }
  for (const f of r.files) expected[f.path.slice(1)] = f.content.toString('utf8')
  if (update) {
    await rm(dir, { recursive: true, force: true })
    for (const [rel, text] of Object.entries(expected)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
      await writeFile(path.join(dir, rel), text)
    }
  }
  expect(existsSync(dir), `no golden files for ${r.stationId}: run with UPDATE_GOLDEN=1 once and review them`).toBe(true)
  const onDisk = (await listFiles(dir)).sort()
  expect(onDisk).toEqual(Object.keys(expected).sort())
  for (const [rel, text] of Object.entries(expected)) {
    expect(text, `${r.stationId}/${rel} differs from the golden file (UPDATE_GOLDEN=1 to accept)`).toBe(await readFile(path.join(dir, rel), 'utf8'))
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)))
    else out.push(rel)
  }
  return out
}

async function renderOne(inv: Inventory, id: string): Promise<RenderedStation> {
  const [r] = await renderAll(inv, { stations: [id], resolver: fixedResolver() })
  return r!
}

describe('golden station files', () => {
  it('441802006001 高基里 (居委会, 凤城街道): no WiFi, fibre DHCP', async () => {
    const r = await renderOne(await loadMini(), '441802006001')
    expect(r.files.map((f) => f.path)).not.toContain('/etc/config/wireless')
    await checkGolden(r)
  })

  it('441802104201 江口 (村委会, 飞来峡镇): WiFi, 4G WAN, fibre planned, e-commerce', async () => {
    const r = await renderOne(await loadMini(), '441802104201')
    expect(r.files.map((f) => f.path)).toContain('/etc/config/wireless')
    await checkGolden(r)
  })

  const present = qingchengPresent()
  // 新桥村委会 (东城街道): e-commerce, ADSL over PPPoE with a 4G backup, WiFi on both bands.
  it.skipIf(!present)(`441802007202 新桥 of inventory/qingcheng: e-commerce, ADSL/PPPoE, 4G backup, WiFi${present ? '' : ' (skipped: inventory/qingcheng is not written yet)'}`, async () => {
    const { inventory } = await loadInventoryOrThrow(QINGCHENG)
    const s = inventory.stations.find((x) => x.id === '441802007202')
    expect(s, '441802007202 is no longer in inventory/qingcheng: pick another e-commerce ADSL/PPPoE station for this golden').toBeDefined()
    expect({ active: s!.hasStation, ecommerce: s!.ecommerce, wan: s!.wan.type, proto: s!.wan.proto }).toEqual({ active: true, ecommerce: true, wan: 'adsl', proto: 'pppoe' })
    const r = await renderOne(inventory, s!.id)
    await checkGolden(r)
  })
})
