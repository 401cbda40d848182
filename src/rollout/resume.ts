import { stateOfEvent, type JournalEvent, type PlannedStation } from './journal.js'
import type { StationState, Wave } from './types.js'

/**
 * What `rollout --resume` does with each station of a journaled run. Pure: the
 * journal's events in, decisions out.
 *
 * - confirmed / unchanged → `keep` (never touched again);
 * - rolled back / failed → `keep` as well: the run decided them (a rerun of
 *   the rollout tries them again);
 * - applied but not settled (no confirmed/rolled-back/failed after the
 *   `applied` event) → `settle`: probe; confirm if still pending with our id;
 *   report rolled back if the watchdog already did; never apply again;
 * - started, not applied (the CLI may have died during the apply exec) → `run`
 *   with that config id adopted: a pending apply of it is confirmed, not repeated;
 * - never started, skipped (abort, interrupt) or unreachable → `run`: nothing
 *   was changed on them, and rural links come back.
 */
export type ResumeAction =
  | { action: 'keep'; state: StationState; configId: string | null }
  | { action: 'settle'; configId: string }
  | { action: 'run'; adoptPendingIds: string[] }

export interface ResumePlan {
  runId: string | null
  /** The run-started event (plan, thresholds); null when the journal has none. */
  started: Extract<JournalEvent, { type: 'run-started' }> | null
  finished: boolean
  /** `ok`, `partial`, `aborted`, `interrupted`, or `crashed` (no run-finished). */
  status: 'ok' | 'partial' | 'aborted' | 'interrupted' | 'crashed' | 'empty'
  stations: Map<string, ResumeAction>
  /** Waves that still have work (`settle` or `run`), in order, with only those stations. */
  remainingWaves: Wave[]
  /** Index of the wave that was running when the run stopped. */
  lastWave: number | null
}

type StationEvent = Extract<JournalEvent, { station: string }>

function isStationEvent(e: JournalEvent): e is StationEvent {
  return typeof (e as { station?: unknown }).station === 'string'
}

export function resumePlan(events: readonly JournalEvent[], runId: string | null = null): ResumePlan {
  const started = (events.find((e) => e.type === 'run-started') as ResumePlan['started'] | undefined) ?? null
  const finishedEvent = [...events].reverse().find((e) => e.type === 'run-finished') as Extract<JournalEvent, { type: 'run-finished' }> | undefined
  // A resumed run appends after the previous run-finished: only events after the last resume matter for "finished".
  const lastResume = events.map((e) => e.type).lastIndexOf('run-resumed')
  const finishedAfterResume = finishedEvent !== undefined && events.lastIndexOf(finishedEvent) > lastResume
  const status: ResumePlan['status'] = !started ? 'empty' : finishedAfterResume ? finishedEvent.status : 'crashed'

  const planned = new Map<string, PlannedStation>((started?.stations ?? []).map((s) => [s.id, s]))
  const last = new Map<string, { kept?: StationState; applied?: string; startedAttempt: boolean }>()
  let lastWave: number | null = null
  for (const e of events) {
    if (e.type === 'wave-started') lastWave = e.wave
    if (!isStationEvent(e)) continue
    const cur = last.get(e.station) ?? { startedAttempt: false }
    const st = stateOfEvent(e)
    if (e.type === 'station-started') {
      // A fresh attempt in a resumed run: what it does next decides.
      last.set(e.station, { startedAttempt: true, applied: cur.applied })
      continue
    }
    if (e.type === 'applied') {
      last.set(e.station, { startedAttempt: true, applied: e.configId })
      continue
    }
    if (st === 'unreachable' || st === 'skipped') {
      last.set(e.station, { startedAttempt: false })
      continue
    }
    if (st) {
      last.set(e.station, { kept: st, startedAttempt: false })
      continue
    }
  }

  const stations = new Map<string, ResumeAction>()
  for (const [id, p] of planned) {
    const l = last.get(id)
    if (l?.kept) stations.set(id, { action: 'keep', state: l.kept, configId: keptConfigId(events, id) ?? null })
    else if (l?.applied) stations.set(id, { action: 'settle', configId: l.applied })
    else if (l?.startedAttempt) stations.set(id, { action: 'run', adoptPendingIds: [p.configId] })
    else stations.set(id, { action: 'run', adoptPendingIds: [] })
  }

  const remainingWaves: Wave[] = []
  for (const w of started?.waves ?? []) {
    const todo = w.stations.filter((id) => stations.get(id)?.action !== 'keep')
    if (todo.length > 0) remainingWaves.push({ ...w, stations: todo })
  }
  return { runId, started, finished: finishedAfterResume, status, stations, remainingWaves, lastWave }
}

function keptConfigId(events: readonly JournalEvent[], id: string): string | null | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as JournalEvent
    if (!isStationEvent(e) || e.station !== id) continue
    if ('configId' in e) return e.configId
    if (stateOfEvent(e)) return null
  }
  return undefined
}

/** A run is worth resuming when it did not finish, or stopped early (interrupted, aborted). */
export function isResumable(plan: ResumePlan): boolean {
  return plan.started !== null && plan.remainingWaves.length > 0 && (plan.status === 'crashed' || plan.status === 'interrupted' || plan.status === 'aborted')
}

/** The default for `--resume` without an id: the latest run that crashed or was interrupted. */
export function isUnfinished(plan: ResumePlan): boolean {
  return plan.started !== null && (plan.status === 'crashed' || plan.status === 'interrupted') && plan.remainingWaves.length > 0
}
