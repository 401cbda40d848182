import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatPlan } from '../../src/plan/format.js'
import { planStations, type PlanResult } from '../../src/plan/plan.js'
import { renderAll } from '../../src/render/render-all.js'
import { formatRenderResult, renderToDirectory } from '../../src/render/service.js'
import { appliedRecordFrom, readApplied, writeApplied } from '../../src/state/applied-store.js'
import { loadFingerprintKey } from '../../src/state/fingerprint-key.js'
import { statePaths } from '../../src/state/paths.js'
import { fixedResolver, KNOWN_SECRETS, loadMini, MINI } from './helpers.js'

/*
 * Secret values may appear in the rendered station files and nowhere else:
 * not in render's result, not in plan's result or text, not in the masked
 * files, not in the applied record, not in manifests.
 */
const USED = ['wireguard/441802104201', 'wireguard/441802006001', 'wifi/441802104201/staff'].map((ref) => KNOWN_SECRETS[ref]!)
const NEW_KEY = 'Jiangkou-Staff-2016#'
const ALL = [...Object.values(KNOWN_SECRETS), NEW_KEY]

function expectNoSecret(text: string, what: string): void {
  for (const v of ALL) expect(text.includes(v), `${what} contains a secret value`).toBe(false)
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else out.push(p)
  }
  return out
}

let home: string
let out: string
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-home-'))
  out = await mkdtemp(path.join(tmpdir(), 'lastmile-out-'))
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
  await rm(out, { recursive: true, force: true })
})

describe('secret values reach the station files and nothing else', () => {
  it('render: the result and manifests hold no value; the station files hold them', async () => {
    const result = await renderToDirectory({ inventoryDir: MINI, out, resolver: fixedResolver() })
    expectNoSecret(JSON.stringify(result), 'render result JSON')
    expectNoSecret(formatRenderResult(result), 'render human output')
    const found = new Set<string>()
    for (const file of await walk(out)) {
      const text = await readFile(file, 'utf8')
      const rel = path.relative(out, file)
      const isStationFile = /^\d{12}\/etc\//.test(rel)
      for (const v of ALL) {
        if (!text.includes(v)) continue
        expect(isStationFile, `${rel} holds a secret value`).toBe(true)
        found.add(v)
        expect((await stat(file)).mode & 0o077, `${rel} holds a secret and must be 0600`).toBe(0)
      }
    }
    expect([...found].sort()).toEqual([...USED].sort())
  })

  it('masked files, plans (JSON and text) and the applied record hold no value', async () => {
    const key = (await loadFingerprintKey(home))!
    expect((await stat(statePaths.fingerprintKey(home))).mode & 0o777).toBe(0o600)
    const rendered = await renderAll(await loadMini(), { resolver: fixedResolver(), masked: true, fingerprintKey: key })
    for (const r of rendered) {
      for (const f of r.files) {
        expectNoSecret(f.maskedContent!, `masked ${f.path}`)
        for (const ref of f.secretFields) expect(f.maskedContent).toContain(`‹secret:${ref}›`)
      }
      expectNoSecret(JSON.stringify(r.secretFingerprints), 'fingerprints')
    }

    const first = await planStations({ inventoryDir: MINI, home, resolver: fixedResolver() })
    expect(first.stations.map((s) => s.state)).toEqual(['new', 'new'])
    checkPlanOutputs(first)

    for (const r of rendered) await writeApplied(home, appliedRecordFrom(r, new Date('2026-01-02T03:04:05Z')))
    for (const r of rendered) {
      const file = path.join(statePaths.applied(home), `${r.stationId}.json`)
      expectNoSecret(await readFile(file, 'utf8'), `applied record ${r.stationId}`)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect(await readApplied(home, r.stationId)).toEqual(appliedRecordFrom(r, '2026-01-02T03:04:05.000Z'))
    }

    const same = await planStations({ inventoryDir: MINI, home, resolver: fixedResolver() })
    expect(same.stations.map((s) => s.state)).toEqual(['unchanged', 'unchanged'])
    expect(formatPlan(same)).toContain('nothing to do')
    checkPlanOutputs(same)
  })

  it('a changed WiFi key shows as ‹secret› (changed), an unchanged one as ‹secret› (unchanged)', async () => {
    const changed = await planStations({ inventoryDir: MINI, home, resolver: fixedResolver({ 'wifi/441802104201/staff': NEW_KEY }) })
    checkPlanOutputs(changed)
    const jiangkou = changed.stations.find((s) => s.id === '441802104201')!
    expect(jiangkou.state).toBe('changed')
    expect(changed.stations.find((s) => s.id === '441802006001')!.state).toBe('unchanged')
    const wireless = jiangkou.files.find((f) => f.path === '/etc/config/wireless')!
    expect(wireless.change).toBe('changed')
    expect(wireless.secrets).toEqual([{ ref: 'wifi/441802104201/staff', status: 'changed' }])
    expect(wireless.diff).toContain("-\toption key '‹secret›'")
    expect(wireless.diff).toContain("+\toption key '‹secret› (changed)'")
    const network = jiangkou.files.find((f) => f.path === '/etc/config/network')!
    expect(network.change).toBe('unchanged')
    expect(network.secrets).toEqual([{ ref: 'wireguard/441802104201', status: 'unchanged' }])
    const text = formatPlan(changed)
    expect(text).toContain("+\toption key '‹secret› (changed)'")
    expect(text).toMatch(/飞来峡镇\s+feilaixia\s+1\s+0\s+1\s+0/)
  })

  it('a changed SSID diffs the SSID line; the key line is context marked (unchanged)', async () => {
    const inv = await loadMini()
    inv.stations.find((s) => s.id === '441802104201')!.wifi!.staff.ssid = 'QC-jiangkou-office'
    const key = (await loadFingerprintKey(home))!
    const [r] = await renderAll(inv, { stations: ['441802104201'], resolver: fixedResolver(), masked: true, fingerprintKey: key })
    const { planStation } = await import('../../src/plan/plan.js')
    const plan = planStation(inv.stations.find((s) => s.id === '441802104201')!, r!, await readApplied(home, '441802104201'))
    const diff = plan.files.find((f) => f.path === '/etc/config/wireless')!.diff!
    expect(diff).toContain("-\toption ssid 'QC-jiangkou-staff'")
    expect(diff).toContain("+\toption ssid 'QC-jiangkou-office'")
    expect(diff).toContain(" \toption key '‹secret› (unchanged)'")
    expectNoSecret(JSON.stringify(plan), 'plan')
  })
})

function checkPlanOutputs(p: PlanResult): void {
  expectNoSecret(JSON.stringify(p), 'plan JSON')
  expectNoSecret(formatPlan(p), 'plan text')
}
