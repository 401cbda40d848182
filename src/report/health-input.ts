import type { Bilingual } from '../i18n/lang.js'
import type { HistoryRecord } from '../health/history.js'
import type { HealthResult } from '../health/result.js'
import type { CheckState } from '../health/types.js'

/** The health part of a report: from a live run (HealthResult) or the latest history records. */
export interface ReportHealth {
  generatedAt: string
  /** where it came from, said in the report */
  source: 'run' | 'history'
  stations: Array<{
    id: string
    state: CheckState
    answered: boolean
    at: string
    stale: boolean
    /** town code of the town alert it is folded into */
    behind?: string
    problems: Array<{ id: string; state: CheckState; reason: Bilingual }>
  }>
  townAlerts: Array<{ town: string; unreachable: number; total: number; since: string; reason: Bilingual }>
  districtAlert?: { reason: Bilingual }
}

export function fromHealthResult(r: HealthResult): ReportHealth {
  return {
    generatedAt: r.generatedAt,
    source: 'run',
    stations: r.stations.map((s) => ({
      id: s.id,
      state: s.state,
      answered: s.answered,
      at: s.at,
      stale: s.stale ?? false,
      ...(s.behindTownAlert ? { behind: s.behindTownAlert } : {}),
      problems: s.checks.filter((c) => c.state !== 'ok').map((c) => ({ id: c.id, state: c.state, reason: c.reason })),
    })),
    townAlerts: r.townAlerts.map((a) => ({ town: a.town.code, unreachable: a.unreachable, total: a.total, since: a.since, reason: a.reason })),
    ...(r.districtAlert ? { districtAlert: { reason: r.districtAlert.reason } } : {}),
  }
}

/**
 * The latest record of each station. A record older than `staleAfterMs` is
 * shown as critical "stale": old data is never shown as ok.
 */
export function fromHistory(records: HistoryRecord[], now: number, staleAfterMs: number): ReportHealth | undefined {
  const latest = new Map<string, Extract<HistoryRecord, { type: 'station' }>>()
  let lastTs = ''
  for (const r of records) {
    if (r.type !== 'station') continue
    latest.set(r.station, r)
    if (r.ts > lastTs) lastTs = r.ts
  }
  if (latest.size === 0) return undefined
  const alerts = records.filter((r): r is Extract<HistoryRecord, { type: 'town-alert' }> => r.type === 'town-alert' && r.ts === lastTs)
  return {
    generatedAt: lastTs,
    source: 'history',
    stations: [...latest.values()].map((r) => {
      const age = now - Date.parse(r.ts)
      const stale = age > staleAfterMs
      const hours = Math.round(age / 3_600_000)
      const problems = [...r.problems]
      if (stale) problems.unshift({ id: 'stale', state: 'critical', reason: { zh: `已 ${hours} 小时没有新数据：数据过期，不能当作正常`, en: `no data for ${hours} h — stale, not ok` } })
      return { id: r.station, state: stale ? 'critical' : r.state, answered: r.answered, at: r.ts, stale, ...(r.behind && !stale ? { behind: r.behind } : {}), problems }
    }),
    townAlerts: alerts.map((a) => ({ town: a.town, unreachable: a.unreachable, total: a.total, since: a.since, reason: a.reason })),
  }
}
