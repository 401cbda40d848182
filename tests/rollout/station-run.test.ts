import { describe, expect, it } from 'vitest'
import { runStation, probeStation, type StationRunInput } from '../../src/rollout/station-run.js'
import { FakeClock, FakeFleet, MemoryJournal, MemoryRecorder, desiredFor } from './fakes.js'

const ID = '441802006001'

function setup(b = {}) {
  const clock = new FakeClock()
  const fleet = new FakeFleet(clock)
  const station = fleet.add(ID, b)
  const journal = new MemoryJournal()
  const recorder = new MemoryRecorder()
  const input = (over: Partial<StationRunInput> = {}): StationRunInput => ({
    stationId: ID,
    desired: desiredFor(ID),
    runId: 'run-1',
    wave: 0,
    attempt: 1,
    confirmWithinS: 60,
    watchdogMarginS: 30,
    pollIntervalMs: 5_000,
    connector: fleet,
    recorder,
    journal: journal.append,
    now: clock.now,
    sleep: clock.sleep,
    ...over,
  })
  return { clock, fleet, station, journal, recorder, input }
}

describe('runStation', () => {
  it('apply path: probe, apply changed files, confirm on a NEW connection, record, health', async () => {
    const { station, journal, recorder, input } = setup()
    const o = await runStation(input({ assessHealth: () => [] }))
    expect(o.state).toBe('confirmed')
    expect(o.configId).toBe(desiredFor(ID).configId)
    expect(o.changed).toEqual(['/etc/config/network', '/etc/config/wireless'])
    expect(station.execs).toEqual(['probe', 'apply', 'confirm', 'health'])
    expect(station.connects).toBe(2)
    expect(station.appliedId).toBe(desiredFor(ID).configId)
    expect(recorder.records).toEqual([{ stationId: ID, configId: desiredFor(ID).configId }])
    expect(journal.types()).toEqual(['probed', 'applied'])
    expect(Object.keys(o.timings).sort()).toEqual(['apply', 'confirm', 'connect', 'health', 'probe'])
  })

  it('a file the config no longer has (WiFi taken away) is removed with a removal line and its reload', async () => {
    const { station, input } = setup()
    await runStation(input())
    const onlyNetwork = { ...desiredFor(ID, 'v1', ['/etc/config/network']), platformReloads: { '/etc/config/network': 'network', '/etc/config/wireless': 'wireless' } }
    const o = await runStation(input({ desired: onlyNetwork }))
    expect(o.state).toBe('confirmed')
    expect(station.manifests.at(-1)).toContain('- - wireless /etc/config/wireless')
    expect(Object.keys(station.files)).toEqual(['/etc/config/network'])
    // and once removed, the next run is up to date at one probe
    station.execs = []
    expect((await runStation(input({ desired: onlyNetwork }))).state).toBe('unchanged')
    expect(station.execs).toEqual(['probe'])
  })

  it('up to date costs exactly one exec after connect', async () => {
    const { station, input } = setup()
    await runStation(input())
    station.execs = []
    station.connects = 0
    const o = await runStation(input())
    expect(o.state).toBe('unchanged')
    expect(station.connects).toBe(1)
    expect(station.execs).toEqual(['probe'])
  })

  it('only the changed files are shipped', async () => {
    const { station, input } = setup()
    await runStation(input())
    const v2 = desiredFor(ID, 'v1')
    v2.files[1] = desiredFor(ID, 'v2').files[1]!
    v2.configId = 'c-v2'
    let shipped: string[] = []
    const o = await runStation(
      input({
        desired: v2,
        connector: { connect: async () => { const s = station.connect(); const apply = s.apply.bind(s); s.apply = async (id, w, m, files) => { shipped = files.map((f) => f.path); return apply(id, w, m, files) }; return s } },
      }),
    )
    expect(o.state).toBe('confirmed')
    expect(shipped).toEqual(['/etc/config/wireless'])
  })

  it('files already in place but another id recorded: the agent records it, no watchdog (unchanged)', async () => {
    const { station, input } = setup()
    await runStation(input())
    const d = { ...desiredFor(ID), configId: 'c-renamed' }
    const o = await runStation(input({ desired: d }))
    expect(o.state).toBe('unchanged')
    expect(station.appliedId).toBe('c-renamed')
    expect(station.pending).toBeNull()
  })

  it('installs the agent when the probe finds none, then probes again', async () => {
    const { station, input } = setup({ noAgent: true })
    const o = await runStation(input())
    expect(o.state).toBe('confirmed')
    expect(station.execs.slice(0, 3)).toEqual(['probe', 'install', 'probe'])
  })

  it('reload-failed: the agent rolled back itself → rolled-back with the agent message', async () => {
    const { station, input } = setup({ reloadFails: true })
    const o = await runStation(input())
    expect(o.state).toBe('rolled-back')
    expect(o.error).toMatchObject({ class: 'reload-failed' })
    expect(station.pending).toBeNull()
    expect(station.appliedId).toBeNull()
  })

  it('link cut by the new config: no confirm possible, the watchdog rolls back, we see it come back → rolled-back', async () => {
    const { station, clock, input, recorder } = setup({ cutsLink: true })
    const t0 = clock.now()
    const o = await runStation(input())
    expect(o.state).toBe('rolled-back')
    expect(o.error?.class).toBe('watchdog-rollback')
    expect(station.lastRollback).toMatchObject({ reason: 'watchdog', id: desiredFor(ID).configId })
    expect(station.linkDown).toBe(false)
    expect(station.applies).toHaveLength(1)
    // it waited about the confirm window, not forever
    expect(clock.now() - t0).toBeGreaterThanOrEqual(60_000)
    expect(clock.now() - t0).toBeLessThanOrEqual(60_000 + 30_000 + 5_000)
    expect(recorder.records).toEqual([])
  })

  it('link lost mid-apply (in doubt): reconnects and confirms the apply that did happen', async () => {
    const { station, input } = setup({ dropDuringApply: true })
    const o = await runStation(input())
    expect(o.state).toBe('confirmed')
    expect(station.applies).toHaveLength(1)
  })

  it('a station that never comes back after an apply → failed: lost-after-apply, bounded wait', async () => {
    const { station, clock, input } = setup({ cutsLink: true })
    // the watchdog never restores the link (a dead station)
    const orig = station.connect.bind(station)
    let applied = false
    station.connect = () => { if (applied) throw Object.assign(new Error('down'), { kind: 'unreachable' }); const s = orig(); const a = s.apply.bind(s); s.apply = async (...args) => { const r = await a(...args); applied = true; return r }; return s }
    const t0 = clock.now()
    const o = await runStation(input())
    expect(o.state).toBe('failed')
    expect(o.error?.class).toBe('lost-after-apply')
    expect(clock.now() - t0).toBeLessThanOrEqual(60_000 + 30_000 + 5_000)
  })

  it('unreachable at connect → unreachable (nothing changed)', async () => {
    const { station, input } = setup({ down: true })
    const o = await runStation(input())
    expect(o.state).toBe('unreachable')
    expect(o.error?.class).toBe('unreachable')
    expect(station.execs).toEqual([])
  })

  it('auth failure → failed with its class, no retry', async () => {
    const { input } = setup({ authFails: true })
    const o = await runStation(input())
    expect(o).toMatchObject({ state: 'failed', error: { class: 'auth' } })
  })

  it('someone else\'s pending apply → failed: pending, nothing applied', async () => {
    const { station, input } = setup()
    station.pending = { id: 'other', deadline: 9e9 }
    const o = await runStation(input())
    expect(o).toMatchObject({ state: 'failed', error: { class: 'pending' } })
    expect(station.applies).toEqual([])
  })

  it('our own pending apply (resume) is confirmed, never applied again', async () => {
    const { station, clock, input } = setup()
    station.pending = { id: desiredFor(ID).configId, deadline: clock.now() / 1000 + 100 }
    const o = await runStation(input())
    expect(o.state).toBe('confirmed')
    expect(station.applies).toEqual([])
    expect(station.execs).toEqual(['probe', 'confirm'])
  })

  it('reconcile: journal says applied; station confirmed it already → confirmed; rolled back → rolled-back; no trace → failed', async () => {
    const d = desiredFor(ID)
    let { station, input } = setup()
    station.appliedId = d.configId
    expect((await runStation(input({ reconcile: { configId: d.configId } }))).state).toBe('confirmed')
    ;({ station, input } = setup())
    station.lastRollback = { id: d.configId, at: 0, reason: 'watchdog' }
    expect((await runStation(input({ reconcile: { configId: d.configId } }))).state).toBe('rolled-back')
    expect(station.applies).toEqual([])
    ;({ station, input } = setup())
    expect((await runStation(input({ reconcile: { configId: d.configId } }))).error?.class).toBe('lost-after-apply')
    expect(station.applies).toEqual([])
  })

  it('critical health after confirm is reported for the gate', async () => {
    const { input } = setup()
    const o = await runStation(input({ assessHealth: () => ['wan down'] }))
    expect(o.state).toBe('confirmed')
    expect(o.healthCritical).toEqual(['wan down'])
  })
})

describe('probeStation (dry run)', () => {
  it('reports what would change, applies nothing', async () => {
    const { station, fleet, clock } = setup()
    const r = await probeStation(ID, desiredFor(ID), fleet, clock.now)
    expect(r).toMatchObject({ reachable: true, upToDate: false, changed: ['/etc/config/network', '/etc/config/wireless'] })
    expect(station.execs).toEqual(['inspect'])
    station.behaviour.down = true
    expect(await probeStation(ID, desiredFor(ID), fleet, clock.now)).toMatchObject({ reachable: false, error: { class: 'unreachable' } })
  })

  it('installs nothing on a station without the agent: it reports it as needing a push', async () => {
    const { station, fleet, clock } = setup({ noAgent: true })
    const r = await probeStation(ID, desiredFor(ID), fleet, clock.now)
    expect(r).toMatchObject({ reachable: true, agentMissing: true, upToDate: false })
    expect(station.execs).toEqual(['inspect'])
    expect(station.agentInstalled).toBe(false)
  })

  it('waits for a config that is still rendering, with the connection already open', async () => {
    const { station, fleet, clock } = setup()
    let render!: (d: ReturnType<typeof desiredFor>) => void
    const pending = new Promise<ReturnType<typeof desiredFor>>((resolve) => (render = resolve))
    const r = probeStation(ID, pending, fleet, clock.now)
    await new Promise((resolve) => setImmediate(resolve))
    expect(station.connects).toBe(1)
    expect(station.execs).toEqual([])
    render(desiredFor(ID))
    expect(await r).toMatchObject({ reachable: true, upToDate: false })
    expect(station.execs).toEqual(['inspect'])
  })
})
