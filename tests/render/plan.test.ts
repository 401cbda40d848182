import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppliedStateSource } from '../../src/plan/applied-source.js'
import { formatPlan } from '../../src/plan/format.js'
import { planStation, planStations, type PlanSourceContext } from '../../src/plan/plan.js'
import { renderAll } from '../../src/render/render-all.js'
import { appliedRecordFrom, type AppliedRecord } from '../../src/state/applied-store.js'
import { loadFingerprintKey } from '../../src/state/fingerprint-key.js'
import { fixedResolver, loadMini, MINI } from './helpers.js'

let home: string
let key: Buffer
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-plan-'))
  key = (await loadFingerprintKey(home))!
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

async function applied(id: string, edit?: (inv: Awaited<ReturnType<typeof loadMini>>) => void): Promise<AppliedRecord> {
  const inv = await loadMini()
  edit?.(inv)
  const [r] = await renderAll(inv, { stations: [id], resolver: fixedResolver(), masked: true, fingerprintKey: key })
  return appliedRecordFrom(r!, '2026-01-01T00:00:00.000Z')
}

describe('plan', () => {
  it('takes the applied side from any AppliedStateSource (the seam for --live)', async () => {
    const record = await applied('441802104201')
    const asked: string[] = []
    const source: AppliedStateSource = {
      name: 'test source',
      get: async (id) => {
        asked.push(id)
        return id === record.stationId ? record : undefined
      },
    }
    const p = await planStations({ inventoryDir: MINI, home, resolver: fixedResolver(), source })
    const viaFactory = await planStations({ inventoryDir: MINI, home, resolver: fixedResolver(), towns: ['feilaixia'], source: ({ stationIds }) => ({ name: `made for ${stationIds.join(',')}`, get: source.get }) })
    expect(viaFactory.source).toBe('made for 441802104201')
    expect(asked).toEqual(['441802104201', '441802006001', '441802104201'])
    expect(p.source).toBe('test source')
    expect(p.stations.map((s) => [s.id, s.state])).toEqual([
      ['441802104201', 'unchanged'],
      ['441802006001', 'new'],
    ])
    expect(p.totals).toEqual({ stations: 2, new: 1, changed: 0, unchanged: 1 })
    expect(p.stations[0]!.appliedConfigId).toBe(record.configId)
    const text = formatPlan(p)
    expect(text).toContain('441802006001 高基里社区居委会 (凤城街道): new')
    expect(text).not.toContain('441802104201 江口')
    expect(text).toMatch(/total\s+2\s+1\s+0\s+1/)
  })

  it('a station that loses its WiFi: wireless is removed, the rest diffs', async () => {
    const before = await applied('441802104201')
    const inv = await loadMini()
    const s = inv.stations.find((x) => x.id === '441802104201')!
    s.wifi = undefined
    const [r] = await renderAll(inv, { stations: [s.id], resolver: fixedResolver(), masked: true, fingerprintKey: key })
    const plan = planStation(s, r!, before)
    expect(plan.state).toBe('changed')
    const byPath = Object.fromEntries(plan.files.map((f) => [f.path, f]))
    expect(byPath['/etc/config/wireless']!.change).toBe('removed')
    expect(byPath['/etc/config/wireless']!.diff).toContain("-\toption key '‹secret›'")
    expect(byPath['/etc/config/network']!.change).toBe('changed')
    expect(byPath['/etc/config/network']!.diff).toContain("-config interface 'public'")
    expect(byPath['/etc/dropbear/authorized_keys']!.change).toBe('unchanged')
    expect(byPath['/etc/dropbear/authorized_keys']!.diff).toBeNull()
    const text = formatPlan({ inventory: MINI, source: 'x', totals: { stations: 1, new: 0, changed: 1, unchanged: 0 }, towns: [], stations: [plan], warnings: [] })
    expect(text).toContain('- /etc/config/wireless  removed')
    expect(text).toContain('~ /etc/config/network  changed, reload network')
  })

  it('a mode change alone is a change', async () => {
    const before = await applied('441802006001')
    before.files = before.files.map((f) => (f.path === '/etc/config/firewall' ? { ...f, mode: '0600' } : f))
    const inv = await loadMini()
    const [r] = await renderAll(inv, { stations: ['441802006001'], resolver: fixedResolver(), masked: true, fingerprintKey: key })
    const plan = planStation(inv.stations.find((x) => x.id === '441802006001')!, r!, before)
    const fw = plan.files.find((f) => f.path === '/etc/config/firewall')!
    expect(fw).toMatchObject({ change: 'changed', previousMode: '0600', mode: '0644' })
    expect(fw.diff).toBe('mode 0600 → 0644\n')
  })

  it('a secret in a byte-identical file is unchanged even when the fingerprint key changed', async () => {
    const before = await applied('441802006001')
    before.secretFingerprints = { 'wireguard/441802006001': '0'.repeat(64) }
    const inv = await loadMini()
    const [r] = await renderAll(inv, { stations: ['441802006001'], resolver: fixedResolver(), masked: true, fingerprintKey: key })
    const plan = planStation(inv.stations.find((x) => x.id === '441802006001')!, r!, before)
    const network = plan.files.find((f) => f.path === '/etc/config/network')!
    expect(network.change).toBe('unchanged')
    expect(network.secrets).toEqual([{ ref: 'wireguard/441802006001', status: 'unchanged' }])
    expect(plan.state).toBe('unchanged')
  })
})

describe('plan --lab', () => {
  it("plans the running lab's inventory (as push --lab pushes it) unless the inventory was given; a source's warnings reach the result", async () => {
    const labHome = await mkdtemp(path.join(tmpdir(), 'lastmile-plan-lab-'))
    try {
      await mkdir(path.join(labHome, 'lab'), { recursive: true })
      // what `lab up --inventory tests/fixtures/inventory-mini` records (only the inventory matters here)
      await writeFile(path.join(labHome, 'lab', 'target.json'), JSON.stringify({ version: 1, pid: 1, startedAt: '', inventory: MINI, operatorKey: '', stations: [] }))
      const source: AppliedStateSource = { name: 'test source', warnings: ['the lab runs 1 of the 2 selected stations'], get: async () => undefined }
      const p = await planStations({ inventoryDir: 'inventory/qingcheng', lab: true, home: labHome, resolver: fixedResolver(), source })
      expect(p.inventory).toBe(MINI)
      expect(p.totals.stations).toBe(2)
      expect(p.warnings.map((w) => w.message)).toContain('the lab runs 1 of the 2 selected stations')
      const given = await planStations({ inventoryDir: 'inventory/qingcheng', inventoryExplicit: true, lab: true, home: labHome, resolver: fixedResolver(), towns: ['feilaixia'], source })
      expect(given.inventory).toBe('inventory/qingcheng')
      expect(given.totals.stations).toBeGreaterThan(2)
      // a source factory (plan --live) gets what the plan loaded: the given inventory, and the
      // running lab's target even then, since the probes go to the lab's addresses
      const seen: PlanSourceContext[] = []
      const station = given.stations[0]!.id
      await planStations({ inventoryDir: 'inventory/qingcheng', inventoryExplicit: true, lab: true, home: labHome, resolver: fixedResolver(), stations: [station], source: (ctx) => (seen.push(ctx), source) })
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatchObject({ stationIds: [station], named: [station], home: labHome, underLab: true, lab: { inventory: MINI } })
      expect(seen[0]!.inventory.stations.length).toBeGreaterThan(2) // the district inventory given, not the lab's 2-station one
    } finally {
      await rm(labHome, { recursive: true, force: true })
    }
  })

  it('without a running lab, --lab plans the inventory given', async () => {
    const p = await planStations({ inventoryDir: MINI, lab: true, home, resolver: fixedResolver() })
    expect(p.inventory).toBe(MINI)
    expect(p.totals.stations).toBe(2)
  })
})
