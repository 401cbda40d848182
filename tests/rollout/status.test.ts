import { describe, expect, it } from 'vitest'
import type { JournalEvent } from '../../src/rollout/journal.js'
import { recordFromProbe } from '../../src/rollout/live-source.js'
import { decideStatus, lastSeenByStation } from '../../src/status/service.js'

const ev = (e: Record<string, unknown>): JournalEvent => ({ ts: '2025-11-29T02:00:00.000Z', ...e }) as JournalEvent
const t = {}

describe('status', () => {
  it('lastSeenByStation: newest run wins; within a run the last settling event; applied without settle = unsettled', () => {
    const seen = lastSeenByStation([
      { runId: 'r2', events: [ev({ type: 'applied', wave: 0, station: 'a', configId: 'c2', changed: [], deadline: null, ms: 1 }), ev({ type: 'skipped', wave: 0, station: 'b', reason: 'x' })] },
      { runId: 'r1', events: [ev({ type: 'confirmed', wave: 0, station: 'a', configId: 'c1', ms: 1, timings: t }), ev({ type: 'failed', wave: 0, station: 'b', configId: null, errorClass: 'auth', message: 'no', ms: 1, timings: t })] },
    ])
    expect(seen.get('a')).toMatchObject({ runId: 'r2', unsettled: { type: 'applied' } })
    expect(seen.get('b')).toMatchObject({ runId: 'r1', event: { type: 'failed' } })
  })

  it('decideStatus from local knowledge', () => {
    const confirmed = { runId: 'r', event: ev({ type: 'confirmed', wave: 0, station: 'a', configId: 'c1', ms: 1, timings: t }) }
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: confirmed }).state).toBe('up-to-date')
    expect(decideStatus({ desired: 'c2', applied: undefined, seen: confirmed })).toMatchObject({ state: 'out-of-date', appliedConfigId: 'c1' })
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: undefined }).state).toBe('never-pushed')
    expect(decideStatus({ desired: 'c1', applied: { configId: 'c1', at: 'x' }, seen: undefined }).state).toBe('up-to-date')
    const rb = { runId: 'r', event: ev({ type: 'rolled-back', wave: 0, station: 'a', configId: null, reason: 'reload-failed', ms: 1, timings: t }) }
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: rb })).toMatchObject({ state: 'rolled-back', detail: 'reload-failed' })
    const un = { runId: 'r', event: ev({ type: 'unreachable', wave: 0, station: 'a', errorClass: 'unreachable', message: 'down', attempt: 3, final: true, ms: 1 }) }
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: un }).state).toBe('unreachable')
    const ap = ev({ type: 'applied', wave: 0, station: 'a', configId: 'c1', changed: [], deadline: null, ms: 1 })
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: { runId: 'r', event: ap, unsettled: ap } }).state).toBe('pending')
  })

  it('decideStatus --live: the agent decides', () => {
    const probe = { appliedId: 'c1', pending: null, files: { '/etc/x': 'h' }, lastRollback: null }
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: undefined, live: { id: 'a', reachable: true, probe, changed: [], upToDate: true, ms: 1 } }).state).toBe('up-to-date')
    expect(decideStatus({ desired: 'c1', applied: undefined, seen: undefined, live: { id: 'a', reachable: true, probe, changed: ['/etc/x'], upToDate: false, ms: 1 } })).toMatchObject({ state: 'out-of-date', detail: expect.stringMatching(/drift/) })
    expect(decideStatus({ desired: 'c2', applied: undefined, seen: undefined, live: { id: 'a', reachable: true, probe: { ...probe, lastRollback: { id: 'c2', at: 1, reason: 'watchdog' } }, changed: ['/etc/x'], upToDate: false, ms: 1 } }).state).toBe('rolled-back')
    expect(decideStatus({ desired: 'c2', applied: undefined, seen: undefined, live: { id: 'a', reachable: true, probe: { ...probe, pending: { id: 'c2', deadline: 100 } }, changed: [], upToDate: false, ms: 1 } }).state).toBe('pending')
    expect(decideStatus({ desired: 'c2', applied: undefined, seen: undefined, live: { id: 'a', reachable: false, changed: [], upToDate: false, ms: 1, error: { class: 'unreachable', message: 'x' } } }).state).toBe('unreachable')
  })
})

describe('LiveAppliedStateSource: recordFromProbe', () => {
  const local = { stationId: '441802006001', configId: 'c1', appliedAt: 'x', files: [{ path: '/etc/x', mode: '0644', sha256: 'a'.repeat(64), size: 3 }], maskedFiles: { '/etc/x': 'abc' }, secretFingerprints: {} }
  it('uses the local record (with contents) when the agent confirms it', () => {
    const r = recordFromProbe('441802006001', { appliedId: 'c1', pending: null, files: { '/etc/x': 'a'.repeat(64) }, lastRollback: null }, local)
    expect(r.how).toBe('agent-confirms-record')
    expect(r.record).toBe(local)
  })
  it('builds the record from the agent hashes when they differ', () => {
    const r = recordFromProbe('441802006001', { appliedId: 'c9', pending: null, files: { '/etc/x': 'b'.repeat(64), '/etc/gone': null }, lastRollback: null }, local)
    expect(r.how).toBe('agent-hashes-only')
    expect(r.record).toMatchObject({ configId: 'c9', files: [{ path: '/etc/x', sha256: 'b'.repeat(64), mode: '0644' }], maskedFiles: {} })
  })
  it('a station the agent says was never applied plans as new', () => {
    expect(recordFromProbe('441802006001', { appliedId: null, pending: null, files: {}, lastRollback: null }, local)).toEqual({ record: undefined, how: 'never-applied' })
  })
})
