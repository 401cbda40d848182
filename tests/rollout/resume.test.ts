import { describe, expect, it } from 'vitest'
import type { JournalEvent, JournalEventBody } from '../../src/rollout/journal.js'
import { isResumable, isUnfinished, resumePlan } from '../../src/rollout/resume.js'
import { emptyCounts } from '../../src/rollout/types.js'

const ids = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']
const started: JournalEventBody = {
  type: 'run-started',
  command: 'rollout',
  lab: true,
  inventory: 'inv',
  inventoryHash: 'h',
  waves: [
    { index: 0, name: 'canary', kind: 'canary', stations: ['s1', 's2'] },
    { index: 1, name: 't', kind: 'town', stations: ['s3', 's4', 's5', 's6', 's7', 's8'] },
  ],
  stations: ids.map((id) => ({ id, name: id, town: 't', configId: `c-${id}` })),
  thresholds: null,
  confirmWithinS: 60,
  limits: { maxConcurrent: 4, perTownConcurrent: 2 },
  pid: 1,
  host: 'h',
}

const ev = (b: JournalEventBody): JournalEvent => ({ ts: 't', ...b }) as JournalEvent
const t = { connect: 1 }

function crashedRun(): JournalEvent[] {
  return ([
    started,
    { type: 'wave-started', wave: 0, name: 'canary', stations: ['s1', 's2'] },
    { type: 'station-started', wave: 0, station: 's1', attempt: 1 },
    { type: 'confirmed', wave: 0, station: 's1', configId: 'c-s1', ms: 1, timings: t },
    { type: 'station-started', wave: 0, station: 's2', attempt: 1 },
    { type: 'unchanged', wave: 0, station: 's2', configId: 'c-s2', ms: 1, timings: t },
    { type: 'wave-finished', wave: 0, name: 'canary', counts: emptyCounts(), ms: 1 },
    { type: 'wave-started', wave: 1, name: 't', stations: [] },
    { type: 'station-started', wave: 1, station: 's3', attempt: 1 },
    { type: 'applied', wave: 1, station: 's3', configId: 'c-s3', changed: ['/etc/x'], deadline: 100, ms: 1 },
    { type: 'station-started', wave: 1, station: 's4', attempt: 1 },
    { type: 'probed', wave: 1, station: 's4', appliedId: null, pendingId: null, changed: ['/etc/x'], ms: 1 },
    { type: 'station-started', wave: 1, station: 's5', attempt: 1 },
    { type: 'rolled-back', wave: 1, station: 's5', configId: null, reason: 'reload-failed', ms: 1, timings: t },
    { type: 'station-started', wave: 1, station: 's6', attempt: 1 },
    { type: 'failed', wave: 1, station: 's6', configId: null, errorClass: 'auth', message: 'x', ms: 1, timings: t },
    { type: 'unreachable', wave: 1, station: 's7', errorClass: 'unreachable', message: 'x', attempt: 1, final: false, ms: 1 },
  ] as JournalEventBody[]).map(ev)
}

describe('resumePlan', () => {
  it('decides each station from its last events', () => {
    const p = resumePlan(crashedRun(), 'r1')
    expect(p.status).toBe('crashed')
    expect(p.finished).toBe(false)
    expect(p.stations.get('s1')).toEqual({ action: 'keep', state: 'confirmed', configId: 'c-s1' })
    expect(p.stations.get('s2')).toEqual({ action: 'keep', state: 'unchanged', configId: 'c-s2' })
    // applied, never confirmed: settle (probe → confirm or report rolled back), never apply again
    expect(p.stations.get('s3')).toEqual({ action: 'settle', configId: 'c-s3' })
    // started (maybe mid-apply): run, adopting a pending apply of its planned id
    expect(p.stations.get('s4')).toEqual({ action: 'run', adoptPendingIds: ['c-s4'] })
    expect(p.stations.get('s5')).toMatchObject({ action: 'keep', state: 'rolled-back' })
    expect(p.stations.get('s6')).toMatchObject({ action: 'keep', state: 'failed' })
    // deferred unreachable and never started: run
    expect(p.stations.get('s7')).toEqual({ action: 'run', adoptPendingIds: [] })
    expect(p.stations.get('s8')).toEqual({ action: 'run', adoptPendingIds: [] })
    expect(p.remainingWaves).toEqual([{ index: 1, name: 't', kind: 'town', stations: ['s3', 's4', 's7', 's8'] }])
    expect(p.lastWave).toBe(1)
    expect(isUnfinished(p)).toBe(true)
    expect(isResumable(p)).toBe(true)
  })

  it('a finished run has nothing to resume; an interrupted one does; skipped and final-unreachable stations run again', () => {
    const fin = [...crashedRun(), ev({ type: 'run-finished', status: 'ok', totals: emptyCounts(), ms: 1 })]
    expect(resumePlan(fin).status).toBe('ok')
    expect(isUnfinished(resumePlan(fin))).toBe(false)
    const intr = [
      ...crashedRun(),
      ev({ type: 'skipped', wave: 1, station: 's8', reason: 'interrupted' }),
      ev({ type: 'unreachable', wave: 1, station: 's7', errorClass: 'unreachable', message: 'x', attempt: 3, final: true, ms: 1 }),
      ev({ type: 'interrupted', wave: 1, hard: false }),
      ev({ type: 'run-finished', status: 'interrupted', totals: emptyCounts(), ms: 1 }),
    ]
    const p = resumePlan(intr)
    expect(p.status).toBe('interrupted')
    expect(isUnfinished(p)).toBe(true)
    expect(p.stations.get('s8')).toEqual({ action: 'run', adoptPendingIds: [] })
    expect(p.stations.get('s7')).toEqual({ action: 'run', adoptPendingIds: [] })
  })

  it('a resumed run that settles a station keeps it; a run-finished before the resume does not count', () => {
    const events = [
      ...crashedRun(),
      ev({ type: 'run-finished', status: 'interrupted', totals: emptyCounts(), ms: 1 }),
      ev({ type: 'run-resumed', pid: 2, host: 'h', fromEvents: 18, torn: false }),
      ev({ type: 'station-started', wave: 1, station: 's3', attempt: 1 }),
      ev({ type: 'confirmed', wave: 1, station: 's3', configId: 'c-s3', ms: 1, timings: t }),
    ]
    const p = resumePlan(events)
    expect(p.status).toBe('crashed')
    expect(p.stations.get('s3')).toMatchObject({ action: 'keep', state: 'confirmed' })
  })

  it('an empty or foreign journal plans nothing', () => {
    const p = resumePlan([])
    expect(p.status).toBe('empty')
    expect(p.remainingWaves).toEqual([])
    expect(isResumable(p)).toBe(false)
  })
})
