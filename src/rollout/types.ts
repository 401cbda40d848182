/**
 * The vocabulary of a rollout, shared by the planner, the executor, the journal,
 * resume and the reporters. Plain data only: everything here is JSON-serialisable
 * and holds no secret (config ids and sha256 of rendered files, never contents).
 */

/** What a rollout needs to know about a station to plan it. */
export interface PlanStation {
  id: string
  name: string
  town: { code: string; slug: string; name: string }
  /** `canary: true` in the inventory. */
  canary: boolean
}

/** Final state of one station in one run. */
export type StationState = 'confirmed' | 'unchanged' | 'rolled-back' | 'failed' | 'unreachable' | 'skipped'

export const stationStates: readonly StationState[] = ['confirmed', 'unchanged', 'rolled-back', 'failed', 'unreachable', 'skipped']

/**
 * Why a station failed or was not reached. Transport classes come from the ssh
 * layer (`kind`), agent classes from the agent's `error.code`, the rest are ours.
 */
export type ErrorClass =
  // transport (src/ssh)
  | 'unreachable'
  | 'auth'
  | 'host-key-mismatch'
  | 'unknown-host-key'
  | 'timeout'
  | 'protocol'
  | 'command-failed'
  // agent (station/README.md error codes)
  | 'reload-failed'
  | 'missing-command'
  | 'disk-full'
  | 'drift'
  | 'checksum'
  | 'bad-input'
  | 'pending'
  | 'locked'
  | 'id-mismatch'
  | 'not-pending'
  | 'io'
  | 'usage'
  // rollout
  | 'watchdog-rollback'
  | 'lost-after-apply'
  | 'health-critical'
  | 'render'
  | 'interrupted'
  | 'internal'

export interface StationError {
  class: ErrorClass | string
  message: string
}

/** Milliseconds spent in each phase of a station run (absent phases were not reached). */
export interface StationTimings {
  connect?: number
  probe?: number
  apply?: number
  confirm?: number
  health?: number
}

export interface StationOutcome {
  id: string
  state: StationState
  /** The config id the station ends on as far as we know (desired id when confirmed/unchanged). */
  configId: string | null
  /** Paths shipped in the apply (empty when nothing changed). */
  changed: string[]
  ms: number
  timings: StationTimings
  /** Connection attempts made (>1 when retried after being unreachable). */
  attempts: number
  error?: StationError
  /** Critical findings of the post-confirm health check (the wave's health gate counts them). */
  healthCritical?: string[]
}

export interface Wave {
  index: number
  /** `up-to-date` (the preflight found them so), `canary`, a town slug, `batch-3`, or `all` for push. */
  name: string
  kind: 'preflight' | 'canary' | 'town' | 'batch' | 'all'
  stations: string[]
}

export interface StateCounts {
  confirmed: number
  unchanged: number
  rolledBack: number
  failed: number
  unreachable: number
  skipped: number
}

export function emptyCounts(): StateCounts {
  return { confirmed: 0, unchanged: 0, rolledBack: 0, failed: 0, unreachable: 0, skipped: 0 }
}

export function countKey(state: StationState): keyof StateCounts {
  return state === 'rolled-back' ? 'rolledBack' : state
}

export function countStates(outcomes: Iterable<Pick<StationOutcome, 'state'>>): StateCounts {
  const c = emptyCounts()
  for (const o of outcomes) c[countKey(o.state)]++
  return c
}
