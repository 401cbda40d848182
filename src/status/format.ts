import { formatTable } from '../cli/table.js'
import { statusStates, type StatusResult } from './service.js'

/** Per-station table (problems first), then the per-town summary. */
export function formatStatus(r: StatusResult): string {
  const lines: string[] = []
  if (r.running) lines.push(r.running.stale ? `a stale rollout lock names run ${r.running.runId} (pid ${r.running.pid} on ${r.running.host} is gone): \`lastmile rollout --resume ${r.running.runId}\`` : `rollout ${r.running.runId} is running (pid ${r.running.pid} on ${r.running.host}, since ${r.running.since})`, '')
  const order = new Map(statusStates.map((s, i) => [s, i]))
  const rank = (s: string): number => (s === 'up-to-date' ? 99 : (order.get(s as never) ?? 50))
  const rows = [...r.stations]
    .sort((a, b) => rank(a.state) - rank(b.state) || (a.town.code < b.town.code ? -1 : a.town.code > b.town.code ? 1 : a.id < b.id ? -1 : 1))
    .map((s) => [s.id, s.name, s.town.name, s.state, s.desiredConfigId ?? '?', s.appliedConfigId ?? '-', s.lastRun ?? '-', s.since ?? '-', (s.detail ?? '').slice(0, 100)])
  lines.push(formatTable(['station', 'name', 'town', 'state', 'desired', 'applied', 'last run', 'since', 'detail'], rows))
  lines.push('')
  const cols = statusStates
  lines.push(
    formatTable(
      ['town', 'stations', ...cols],
      [...r.towns.map((t) => [`${t.name} ${t.slug}`, t.stations, ...cols.map((c) => t[c])]), ['total', r.totals.stations, ...cols.map((c) => r.totals[c])]],
      { align: ['left', ...cols.map(() => 'right' as const), 'right'] },
    ),
  )
  lines.push('', r.live ? 'states from the agents (live probe)' : 'states from the journals and applied records on this machine; --live asks the stations')
  return lines.join('\n')
}
