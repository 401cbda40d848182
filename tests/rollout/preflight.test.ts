import { describe, expect, it } from 'vitest'
import { planWaves } from '../../src/rollout/planner.js'
import type { DesiredConfig } from '../../src/rollout/ports.js'
import { preflight, upToDateOutcomes, wavesAfterPreflight } from '../../src/rollout/preflight.js'
import type { PlanStation } from '../../src/rollout/types.js'
import { FakeClock, FakeFleet, desiredFor } from './fakes.js'

/** Town A: a1 a2 a3, town B: b1 b2 (ids sort within their town). */
const TOWNS: Record<string, string> = { '441802006001': 'A', '441802006002': 'A', '441802006003': 'A', '441802007001': 'B', '441802007002': 'B' }
const IDS = Object.keys(TOWNS)

function plan(id: string): PlanStation {
  const t = TOWNS[id] ?? '?'
  return { id, name: id, town: { code: t, slug: t.toLowerCase(), name: t }, canary: false }
}

/** A fleet where `upToDate` stations already run desiredFor(id). */
function fleetWith(upToDate: string[]) {
  const clock = new FakeClock()
  const fleet = new FakeFleet(clock)
  const desired = new Map<string, DesiredConfig>(IDS.map((id) => [id, desiredFor(id)]))
  for (const id of IDS) {
    const s = fleet.add(id)
    if (!upToDate.includes(id)) continue
    const d = desired.get(id)!
    for (const f of d.files) s.files[f.path] = f.sha256
    s.appliedId = d.configId
  }
  return { clock, fleet, desired }
}

const items = IDS.map((id) => ({ id, town: TOWNS[id] ?? '?' }))

describe('preflight', () => {
  it('looks at every station with one read-only exec, all at once, and settles only those up to date', async () => {
    const { clock, fleet, desired } = fleetWith(['441802006001', '441802007001'])
    const looked = await preflight({ items, connector: fleet, desired: Promise.resolve(desired), concurrency: 200, now: clock.now, stop: new AbortController().signal })
    for (const id of IDS) {
      expect(fleet.get(id).connects).toBe(1)
      expect(fleet.get(id).execs).toEqual(['inspect'])
    }
    const settled = upToDateOutcomes(looked, desired)
    expect([...settled.keys()].sort()).toEqual(['441802006001', '441802007001'])
    expect(settled.get('441802006001')).toMatchObject({ state: 'unchanged', configId: desired.get('441802006001')?.configId })
  })

  it('opens the connections while the configs are still rendering', async () => {
    const { clock, fleet, desired } = fleetWith([])
    let rendered!: (d: Map<string, DesiredConfig>) => void
    const rendering = new Promise<Map<string, DesiredConfig>>((resolve) => (rendered = resolve))
    const run = preflight({ items, connector: fleet, desired: rendering, concurrency: 200, now: clock.now, stop: new AbortController().signal })
    await new Promise((resolve) => setImmediate(resolve))
    expect(IDS.map((id) => fleet.get(id).connects)).toEqual([1, 1, 1, 1, 1])
    expect(IDS.flatMap((id) => fleet.get(id).execs)).toEqual([])
    rendered(desired)
    const looked = await run
    expect([...looked.values()].every((p) => p.reachable && !p.upToDate)).toBe(true)
  })

  it('never installs the agent: a station without one is a station to push', async () => {
    const { clock, fleet, desired } = fleetWith([])
    fleet.get('441802006002').agentInstalled = false
    const looked = await preflight({ items, connector: fleet, desired: Promise.resolve(desired), concurrency: 200, now: clock.now, stop: new AbortController().signal })
    expect(looked.get('441802006002')).toMatchObject({ agentMissing: true, upToDate: false })
    expect(fleet.get('441802006002').agentInstalled).toBe(false)
    expect(fleet.get('441802006002').execs).toEqual(['inspect'])
  })

  it('a station it cannot reach is not settled: it goes into its wave, which retries it', async () => {
    const { clock, fleet, desired } = fleetWith(IDS)
    fleet.get('441802007002').behaviour.down = true
    const looked = await preflight({ items, connector: fleet, desired: Promise.resolve(desired), concurrency: 200, now: clock.now, stop: new AbortController().signal })
    expect(looked.get('441802007002')).toMatchObject({ reachable: false, error: { class: 'unreachable' } })
    const settled = upToDateOutcomes(looked, desired)
    expect(settled.has('441802007002')).toBe(false)
    const waves = wavesAfterPreflight(IDS.map(plan), new Set(settled.keys()), (rest) => planWaves(rest))
    expect(waves.map((w) => [w.name, w.stations])).toEqual([
      ['up-to-date', ['441802006001', '441802006002', '441802006003', '441802007001']],
      ['b', ['441802007002']],
    ])
  })

  it('after Ctrl-C it starts no more looks (those stations are planned, and the run skips them)', async () => {
    const { clock, fleet, desired } = fleetWith(IDS)
    const stop = new AbortController()
    stop.abort()
    const looked = await preflight({ items, connector: fleet, desired: Promise.resolve(desired), concurrency: 200, now: clock.now, stop: stop.signal })
    expect(looked.size).toBe(0)
    expect(IDS.map((id) => fleet.get(id).connects)).toEqual([0, 0, 0, 0, 0])
  })

  it('respects its own concurrency limit', async () => {
    const { clock, fleet, desired } = fleetWith([])
    let inFlight = 0
    let most = 0
    const counting = {
      connect: async (id: string) => {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise((resolve) => setImmediate(resolve))
        const s = await fleet.connect(id)
        return { ...s, close: async () => void inFlight-- }
      },
    }
    await preflight({ items, connector: counting, desired: Promise.resolve(desired), concurrency: 2, now: clock.now, stop: new AbortController().signal })
    expect(most).toBe(2)
  })
})

describe('waves after the preflight', () => {
  it('the canaries are stations that take the change, not the first station of each town', () => {
    // a1 (the first of town A) is up to date: town A's canary is a2
    const waves = wavesAfterPreflight(IDS.map(plan), new Set(['441802006001']), (rest) => planWaves(rest))
    expect(waves.map((w) => w.name)).toEqual(['up-to-date', 'canary', 'a', 'b'])
    expect(waves[1]?.stations).toEqual(['441802006002', '441802007001'])
    expect(waves.map((w) => w.index)).toEqual([0, 1, 2, 3])
    expect(waves[0]?.kind).toBe('preflight')
  })

  it('everything up to date: one settled wave and nothing to run', () => {
    const waves = wavesAfterPreflight(IDS.map(plan), new Set(IDS), (rest) => planWaves(rest))
    expect(waves).toEqual([{ index: 0, name: 'up-to-date', kind: 'preflight', stations: IDS }])
  })

  it('nothing up to date (a cold run): the waves are those of the planner, unchanged', () => {
    expect(wavesAfterPreflight(IDS.map(plan), new Set(), (rest) => planWaves(rest))).toEqual(planWaves(IDS.map(plan)))
  })
})
