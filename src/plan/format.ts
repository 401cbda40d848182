import { formatTable } from '../cli/table.js'
import type { PlanResult, StationPlan } from './plan.js'

const MARK = { added: '+', changed: '~', removed: '-', unchanged: ' ' } as const

/**
 * The human plan: each new or changed station with its file changes and the
 * diffs of changed files (new stations list their files; their full contents
 * are in `--json`), then one row per town and the totals.
 */
export function formatPlan(r: PlanResult): string {
  const out: string[] = []
  for (const s of r.stations) {
    if (s.state === 'unchanged') continue
    out.push(stationHeader(s))
    for (const f of s.files) {
      if (f.change === 'unchanged') continue
      const secrets = f.secrets.length ? `  secrets: ${f.secrets.map((x) => `‹secret› (${x.status})`).join(', ')}` : ''
      out.push(`  ${MARK[f.change]} ${f.path}  ${f.change}${f.reload !== '-' && f.change !== 'removed' ? `, reload ${f.reload}` : ''}${secrets}`)
      if (s.state === 'changed' && f.diff) out.push(indent(f.diff.trimEnd(), '      '))
    }
    out.push('')
  }
  const rows = r.towns.map((t) => [t.name, t.slug, t.stations, t.new, t.changed, t.unchanged])
  rows.push(['total', '', r.totals.stations, r.totals.new, r.totals.changed, r.totals.unchanged])
  out.push(formatTable(['town', 'slug', 'stations', 'new', 'changed', 'unchanged'], rows, { align: ['left', 'left', 'right', 'right', 'right', 'right'] }))
  out.push('', `compared with: ${r.source}`)
  if (r.totals.new + r.totals.changed === 0) out.push('nothing to do: every selected station is up to date')
  return out.join('\n')
}

function stationHeader(s: StationPlan): string {
  const what = s.state === 'new' ? `new (never applied here), config ${s.configId}, ${s.files.length} files` : `changed, config ${s.appliedConfigId} → ${s.configId}`
  return `${s.id} ${s.name} (${s.town.name}): ${what}`
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n')
}
