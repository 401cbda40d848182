import { beforeAll, describe, expect, it } from 'vitest'
import { evaluate } from '../../src/health/evaluate.js'
import { applyTopology } from '../../src/health/topology.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import { NOW, check, cloneStations, healthyAgent, loadMini, station } from './helpers.js'

let inv: Inventory
let town: Station[]
let other: Station

beforeAll(async () => {
  inv = await loadMini()
  town = cloneStations(station(inv, '441802006001'), 19)
  other = station(inv, '441802104201')
})

const down = (s: Station) => evaluate({ station: s, error: { kind: 'unreachable', message: 'connection timed out' }, now: NOW })
const up = (s: Station) => evaluate({ station: s, health: healthyAgent(s), now: NOW })

describe('topology: town uplink', () => {
  it('17 of 19 unreachable → one town alert; the 17 are unknown "behind the town\'s uplink"', () => {
    const stations = town.map((s, i) => (i < 17 ? down(s) : up(s)))
    const since = new Map(town.slice(0, 17).map((s, i) => [s.id, NOW - 3_600_000 + i * 1000]))
    const r = applyTopology({ stations: [...stations, up(other)], towns: inv.towns, downSince: since, now: NOW, timeZone: 'Asia/Shanghai' })
    expect(r.townAlerts).toHaveLength(1)
    const a = r.townAlerts[0]!
    expect(a).toMatchObject({ state: 'critical', unreachable: 17, total: 19, town: { slug: 'fengcheng' } })
    expect(a.stations).toHaveLength(17)
    // The threshold (60% of 19 → 12 stations) was crossed when the 12th went down.
    expect(a.since).toBe(new Date(NOW - 3_600_000 + 11_000).toISOString())
    expect(a.reason.en).toBe("town uplink down: 17/19 stations unreachable since 2026-11-29 09:00: call 电信 about fengcheng's uplink")
    expect(a.reason.zh).toContain('凤城街道镇级上行线路中断：17/19 个站点无法连接')
    const behind = r.stations.filter((s) => s.behindTownAlert === '441802006000')
    expect(behind).toHaveLength(17)
    for (const s of behind) {
      expect(s.state).toBe('unknown')
      expect(check(s, 'reachable').reason.en).toBe("behind the town's uplink (see town alert)")
      expect(check(s, 'reachable').reason.zh).toBe('在镇级上行线路之后（见镇级告警）')
    }
    expect(r.stations.filter((s) => s.state === 'critical')).toHaveLength(0)
    expect(r.stations.filter((s) => s.state === 'ok')).toHaveLength(3)
  })

  it('a few unreachable stations stay individual criticals', () => {
    const stations = town.map((s, i) => (i < 5 ? down(s) : up(s)))
    const r = applyTopology({ stations, now: NOW })
    expect(r.townAlerts).toHaveLength(0)
    expect(r.stations.filter((s) => s.state === 'critical')).toHaveLength(5)
  })

  it('needs at least 3 (configurable) and 60% (configurable)', () => {
    const two = town.slice(0, 2).map(down)
    expect(applyTopology({ stations: two, now: NOW }).townAlerts).toHaveLength(0)
    const three = town.slice(0, 3).map(down)
    expect(applyTopology({ stations: [...three, up(town[3]!)], now: NOW }).townAlerts).toHaveLength(1)
    const half = town.slice(0, 10).map((s, i) => (i < 5 ? down(s) : up(s)))
    expect(applyTopology({ stations: half, now: NOW }).townAlerts).toHaveLength(0)
    expect(applyTopology({ stations: half, now: NOW, thresholds: { townDownRatio: 0.5 } }).townAlerts).toHaveLength(1)
    expect(applyTopology({ stations: three, now: NOW, thresholds: { townDownMin: 4 } }).townAlerts).toHaveLength(0)
  })

  it('auth and host-key failures are not an uplink problem', () => {
    const stations = town.map((s) => evaluate({ station: s, error: { kind: 'auth', message: 'refused' }, now: NOW }))
    const r = applyTopology({ stations: [...stations, up(other)], now: NOW })
    expect(r.townAlerts).toHaveLength(0)
    expect(r.stations.filter((s) => s.state === 'critical')).toHaveLength(19)
  })

  it('every station in two or more towns unreachable → one district alert, no town alerts', () => {
    const stations = [...town.map(down), down(other)]
    const r = applyTopology({ stations, now: NOW })
    expect(r.townAlerts).toHaveLength(0)
    expect(r.districtAlert?.reason.en).toContain('all 20 stations in 2 towns are unreachable')
    expect(r.districtAlert?.reason.en).toContain("check this machine's network")
    expect(r.stations.every((s) => s.state === 'unknown')).toBe(true)
  })
})
