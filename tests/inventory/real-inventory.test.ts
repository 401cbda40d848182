import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { activeStations } from '../../src/inventory/model.js'
import { stationSecretRefs } from '../../src/inventory/secret-refs.js'
import { compareWithProgramme, totalsOf } from '../../src/inventory/summary.js'
import { utf8Bytes } from '../../src/inventory/cross-checks/wifi.js'
import { REAL, validate } from './helpers/mini.js'

let inv: Inventory
beforeAll(async () => {
  inv = (await loadInventoryOrThrow(REAL)).inventory
})

/** Valid-looking values for every secret ref, so validate can check them all. */
function fakeSecretEnv(i: Inventory): Record<string, string> {
  const env: Record<string, string> = { LASTMILE_SECRET_DISTRICT_CONFIG_ID_KEY: 'test-config-id-key' }
  for (const s of activeStations(i)) {
    for (const r of stationSecretRefs(s)) {
      env[r.env] = r.kind === 'wireguard-private-key' ? Buffer.alloc(32, s.id.slice(-2)).toString('base64') : `test-${s.id}-${r.kind}`
    }
  }
  return env
}

describe('inventory/qingcheng', () => {
  it('validates with zero errors; without secrets the only warnings are unresolved secret refs', async () => {
    const r = await validate(REAL, {})
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.problems.filter((p) => p.rule !== 'secrets.unresolved')).toEqual([])
  })

  it('validates with no problem at all when every secret is provided', async () => {
    const r = await validate(REAL, fakeSecretEnv(inv))
    expect(r.problems).toEqual([])
  })

  it('matches the programme: 8 towns, 152 stations, 112 e-commerce, 30,000 households, 1,000 info points', () => {
    const totals = totalsOf(inv.stations)
    expect(totals).toMatchObject({ towns: 8, stations: 152, withoutStation: 1, ecommerce: 112, settopBoxHouseholds: 30_000, infoPoints: 1_000 })
    expect(inv.district.programme).toEqual({ year: 2015, towns: 8, stations: 152, ecommerceStations: 112, settopBoxHouseholds: 30_000, infoPoints: 1_000 })
    expect(compareWithProgramme(inv, totals).every((r) => r.ok)).toBe(true)
  })

  it('keeps all 153 committees; only 美林湖 has no station, with a note', () => {
    expect(inv.stations).toHaveLength(153)
    const inactive = inv.stations.filter((s) => !s.hasStation)
    expect(inactive.map((s) => [s.id, s.name])).toEqual([['441802106005', '美林湖社区居委会']])
    expect(inactive[0]!.note).toContain('2015')
  })

  it('follows the addressing plan: 10.250.<town>.<station>, LAN 10.<20+town>.<station>.0/24', () => {
    const towns = [...inv.towns].sort((a, b) => a.code.localeCompare(b.code))
    towns.forEach((t, ti) => {
      const stations = [...t.stations].sort((a, b) => a.id.localeCompare(b.id))
      stations.forEach((s, si) => {
        const net = `10.${21 + ti}.${si + 1}`
        expect(s.management.address).toBe(`10.250.${ti + 1}.${si + 1}`)
        expect(s.lan.office).toEqual({ vlan: 20, subnet: `${net}.0/25` })
        expect(s.lan.iptv).toEqual({ vlan: 40, subnet: `${net}.192/27` })
        expect(s.lan.management).toEqual({ vlan: 10, subnet: `${net}.224/28` })
        expect(s.lan.publicWifi).toEqual(s.wifi ? { vlan: 30, subnet: `${net}.128/26` } : undefined)
      })
    })
  })

  it('has WiFi on 40–60 % of stations, SSIDs that fit, and 2.4 GHz channels that differ between neighbours', () => {
    const active = activeStations(inv)
    const wifi = active.filter((s) => s.wifi)
    expect(wifi.length / active.length).toBeGreaterThanOrEqual(0.4)
    expect(wifi.length / active.length).toBeLessThanOrEqual(0.6)
    for (const s of wifi) {
      expect(s.wifi!.staff.ssid).toMatch(new RegExp(`^QC-[a-z]+-${s.id.slice(9)}$`))
      expect(utf8Bytes(s.wifi!.public.ssid)).toBeLessThanOrEqual(32)
      expect([1, 6, 11]).toContain(s.wifi!.radio2g.channel)
      expect(s.wifi!.staff.key.secret).toBe(`wifi/${s.id}/staff`)
    }
    for (const t of inv.towns) {
      const channels = t.stations.filter((s) => s.wifi).map((s) => s.wifi!.radio2g.channel)
      for (let i = 1; i < channels.length; i++) expect(channels[i]).not.toBe(channels[i - 1])
    }
  })

  it('has one canary 居委会 per town and 5–10 PCs per station', () => {
    for (const t of inv.towns) {
      const canaries = t.stations.filter((s) => s.canary)
      expect(canaries, t.name).toHaveLength(1)
      expect(canaries[0]!.kind).toBe('居委会')
    }
    for (const s of activeStations(inv)) {
      const pcs = s.devices.filter((d) => d.type === 'computer').reduce((n, d) => n + d.count, 0)
      expect(pcs).toBeGreaterThanOrEqual(5)
      expect(pcs).toBeLessThanOrEqual(10)
    }
  })

  it('has 2–3 district admins and 2–3 admins per town, ids like fengcheng-admin-1', () => {
    const district = inv.operators.filter((o) => o.role === 'district')
    expect(district.length).toBeGreaterThanOrEqual(2)
    expect(district.length).toBeLessThanOrEqual(3)
    for (const t of inv.towns) {
      const mine = inv.operators.filter((o) => o.role === 'town' && o.towns.includes(t.code))
      expect(mine.length, t.name).toBeGreaterThanOrEqual(2)
      expect(mine.length, t.name).toBeLessThanOrEqual(3)
      for (const o of mine) expect(o.id).toMatch(new RegExp(`^${t.slug}-admin-\\d$`))
    }
  })

  it('starts every file with the yaml-language-server schema line (path that exists) and the "generated once" note', async () => {
    const files = ['district.yaml', 'operators.yaml', ...(await readdir(path.join(REAL, 'towns'))).map((f) => `towns/${f}`)]
    expect(files).toHaveLength(10)
    for (const rel of files) {
      const text = await readFile(path.join(REAL, rel), 'utf8')
      const first = text.split('\n')[0]!
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first)
      expect(m, rel).not.toBeNull()
      const schemaFile = path.resolve(path.dirname(path.join(REAL, rel)), m![1]!)
      await expect(readFile(schemaFile, 'utf8'), `${rel} → ${schemaFile}`).resolves.toContain('"$schema"')
      expect(text).toContain('generated once by scripts/generate-inventory.ts; edit by hand from now on')
    }
  })
})
