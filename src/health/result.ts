import type { StationChanges } from './changes.js'
import { stateSeverity, type CheckState, type DistrictAlert, type StationHealth, type TownAlert } from './types.js'

/** What `lastmile health` returns (and prints with --json). */
export interface HealthResult {
  generatedAt: string
  district: { code: string; name: string }
  /** the operator the SSH key belongs to; absent for a key without one */
  operator?: string
  /** town codes this operator may see, or all */
  scope: 'all' | string[]
  lab: boolean
  /** the towns looked at, including those with nothing wrong */
  towns: Array<{ code: string; slug: string; name: string }>
  totals: Record<CheckState, number> & { stations: number; answered: number }
  districtAlert?: DistrictAlert
  townAlerts: TownAlert[]
  stations: StationHealth[]
  /** with --since: state changes per station in the window */
  since?: string
  changes?: StationChanges[]
  /** where this run was appended */
  historyFile?: string
}

export function totalsOf(stations: StationHealth[]): HealthResult['totals'] {
  const t = { stations: stations.length, answered: 0, ok: 0, warning: 0, critical: 0, unknown: 0 }
  for (const s of stations) {
    t[s.state]++
    if (s.answered) t.answered++
  }
  return t
}

/** Exit 4 when anything is critical or did not answer (docs/health.md); warnings alone exit 0. */
export function needsAttention(r: Pick<HealthResult, 'stations' | 'townAlerts' | 'districtAlert'>): boolean {
  return Boolean(r.districtAlert) || r.townAlerts.length > 0 || r.stations.some((s) => s.state === 'critical' || !s.answered)
}

/** Worst first, then by id: the order people read in. */
export function byWorst(a: { state: CheckState; id: string }, b: { state: CheckState; id: string }): number {
  return stateSeverity[b.state] - stateSeverity[a.state] || a.id.localeCompare(b.id)
}
