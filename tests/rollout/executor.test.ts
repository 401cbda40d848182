import { describe, expect, it } from 'vitest'
import { executeWaves, type ExecutorOptions } from '../../src/rollout/executor.js'
import { planWaves } from '../../src/rollout/planner.js'
import { defaultAbortConfig } from '../../src/rollout/thresholds.js'
import type { PlanStation } from '../../src/rollout/types.js'
import { FakeClock, FakeFleet, MemoryJournal, MemoryRecorder, desiredFor, type FakeStationBehaviour } from './fakes.js'

const towns = [
  { code: '441802003000', slug: 'dongcheng', name: '东城街道' },
  { code: '441802006000', slug: 'fengcheng', name: '凤城街道' },
]

function world(perTown = 10, behaviour: (id: string) => FakeStationBehaviour = () => ({})) {
  const clock = new FakeClock()
  const fleet = new FakeFleet(clock)
  const stations = new Map<string, PlanStation>()
  for (const t of towns) for (let i = 1; i <= perTown; i++) {
    const id = t.code.slice(0, 9) + String(i).padStart(3, '0')
    stations.set(id, { id, name: `站${i}`, town: t, canary: false })
    fleet.add(id, behaviour(id))
  }
  const journal = new MemoryJournal()
  const stop = new AbortController()
  const opts = (over: Partial<ExecutorOptions> = {}): ExecutorOptions => ({
    runId: 'r',
    waves: planWaves([...stations.values()]),
    stations,
    desired: new Map([...stations.keys()].map((id) => [id, desiredFor(id)])),
    thresholds: defaultAbortConfig,
    limits: { maxConcurrent: 6, perTownConcurrent: 3 },
    confirmWithinS: 60,
    watchdogMarginS: 20,
    pollIntervalMs: 5000,
    unreachableRetry: { attempts: 2, backoffMs: 10_000 },
    pauseMs: 0,
    connector: fleet,
    recorder: new MemoryRecorder(),
    journal: journal.append,
    now: clock.now,
    sleep: clock.sleep,
    stop: stop.signal,
    ...over,
  })
  return { clock, fleet, stations, journal, stop, opts }
}

describe('executeWaves', () => {
  it('confirms every station, wave by wave; a rerun changes nothing', async () => {
    const w = world()
    const r = await executeWaves(w.opts())
    expect(r.aborted).toBeNull()
    expect(r.totals).toMatchObject({ confirmed: 20, failed: 0, unreachable: 0 })
    expect(r.waves.map((x) => [x.name, x.counts.confirmed])).toEqual([['canary', 2], ['dongcheng', 9], ['fengcheng', 9]])
    const again = await executeWaves(w.opts())
    expect(again.totals).toMatchObject({ unchanged: 20, confirmed: 0 })
  })

  it('a town whose reload fails is caught by the canary: abort before the rest, nothing else touched', async () => {
    const w = world(10, (id) => (id.startsWith('441802006') ? { reloadFails: true } : {}))
    const r = await executeWaves(w.opts())
    expect(r.aborted).toMatchObject({ wave: 0, rule: 'failure' })
    expect(r.totals).toMatchObject({ confirmed: 1, rolledBack: 1, skipped: 18 })
    expect(w.journal.types()).toContain('aborted')
    for (const [id, s] of w.fleet.stations) if (id !== '441802003001' && id !== '441802006001') expect(s.connects).toBe(0)
  })

  it('unreachable stations are deferred to the end of the wave, retried with backoff, reported separately', async () => {
    const w = world(10, (id) => (id === '441802003004' ? { unreachableFor: 2 } : id === '441802003005' ? { down: true } : {}))
    const r = await executeWaves(w.opts())
    expect(r.aborted).toBeNull()
    expect(r.outcomes.get('441802003004')).toMatchObject({ state: 'confirmed', attempts: 3 })
    expect(r.outcomes.get('441802003005')).toMatchObject({ state: 'unreachable', attempts: 3 })
    expect(r.totals).toMatchObject({ confirmed: 19, unreachable: 1, failed: 0 })
    const types = w.journal.types('441802003005')
    expect(types.filter((t) => t === 'deferred')).toHaveLength(2)
    expect(w.journal.events.filter((e) => e.type === 'unreachable' && e.station === '441802003005' && e.final)).toHaveLength(1)
  })

  it('the unreachable threshold is its own rule', async () => {
    const w = world(10, (id) => (id.startsWith('441802003') && Number(id.slice(-2)) > 6 ? { down: true } : {}))
    const r = await executeWaves(w.opts({ thresholds: { failure: { minExecuted: 1, percent: 0 }, unreachable: { minExecuted: 5, percent: 20 } } }))
    expect(r.aborted).toMatchObject({ rule: 'unreachable', wave: 1 })
    expect(r.totals).toMatchObject({ unreachable: 4, failed: 0 })
    expect(r.waves[2]?.counts.skipped).toBe(9)
  })

  it('push (no thresholds) never aborts', async () => {
    const w = world(3, () => ({ reloadFails: true }))
    const r = await executeWaves(w.opts({ thresholds: null, waves: [{ index: 0, name: 'all', kind: 'all', stations: [...w.stations.keys()] }] }))
    expect(r.aborted).toBeNull()
    expect(r.totals.rolledBack).toBe(6)
  })

  it('stop (first Ctrl-C): nothing new starts, in-flight stations finish, the rest are skipped', async () => {
    const w = world()
    let started = 0
    const r = await executeWaves(
      w.opts({
        journal: async (e) => {
          if (e.type === 'station-started' && ++started === 4) w.stop.abort()
        },
      }),
    )
    expect(r.interrupted).toBe(true)
    // every station that had started finished (confirmed); none started after the stop
    const settled = r.totals.confirmed + r.totals.unchanged
    expect(settled).toBe(started)
    expect(started).toBeLessThan(2 + 3 + 1)
    expect(r.totals.skipped).toBe(20 - started)
  })

  it('the health gate: critical health after confirm counts as failed', async () => {
    const w = world(3)
    const r = await executeWaves(w.opts({ assessHealth: (id) => (id === '441802006002' ? ['wan down'] : []), thresholds: null }))
    expect(r.outcomes.get('441802006002')).toMatchObject({ state: 'failed', error: { class: 'health-critical' } })
  })

  it('resume: carried stations are not touched; settle/run actions are passed down', async () => {
    const w = world(3)
    const first = await executeWaves(w.opts())
    const carried = new Map([...first.outcomes].filter(([id]) => id.endsWith('1')))
    for (const s of w.fleet.stations.values()) s.connects = 0
    const r = await executeWaves(w.opts({ carried }))
    for (const id of carried.keys()) expect(w.fleet.get(id).connects).toBe(0)
    expect(r.totals.confirmed + r.totals.unchanged).toBe(6)
  })
})
