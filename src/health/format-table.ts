import { formatTable, stringWidth } from '../cli/table.js'
import { clockTime } from '../i18n/format.js'
import type { Lang } from '../i18n/lang.js'
import { stateNames } from '../i18n/names.js'
import { byWorst, type HealthResult } from './result.js'
import { stateSeverity, worst, type CheckState, type StationHealth } from './types.js'

export interface TableOptions {
  lang: Lang
  timeZone?: string
  /** display width of the details column before it wraps */
  width?: number
}

const DETAILS_WIDTH = 80

const MARK: Record<CheckState, string> = { ok: '✓', warning: '!', critical: '✗', unknown: '?' }

function stateLabel(s: CheckState, lang: Lang): string {
  return `${MARK[s]} ${stateNames[s][lang]}`
}

/**
 * The human view: alerts on top, then each town (worst town first), its
 * stations worst first, with every reason that is not ok. Column widths are by
 * display width so Chinese names line up.
 */
export function formatHealthTable(r: HealthResult, opts: TableOptions): string {
  const { lang } = opts
  const zh = lang === 'zh'
  const out: string[] = []
  const when = clockTime(Date.parse(r.generatedAt), opts.timeZone)
  const totals = (['ok', 'warning', 'critical', 'unknown'] as const).map((s) => `${stateNames[s][lang]} ${r.totals[s]}`).join(' · ')
  out.push(
    zh
      ? `${r.district.name} 站点健康 ${when}${r.lab ? '（实验室）' : ''} · ${r.totals.stations} 个站点：${totals}`
      : `${r.district.name} station health ${when}${r.lab ? ' (lab)' : ''} · ${r.totals.stations} station${r.totals.stations === 1 ? '' : 's'}: ${totals}`,
  )
  if (r.operator) out.push(zh ? `操作员 ${r.operator}` : `operator ${r.operator}`)

  if (r.districtAlert) {
    out.push('', zh ? '✗ 区级告警' : '✗ district alert', `  ${r.districtAlert.reason[lang]}`)
  }
  if (r.townAlerts.length > 0) {
    out.push('', zh ? '✗ 镇级告警' : '✗ town alerts')
    for (const a of r.townAlerts) out.push(`  ${a.town.name} (${a.town.slug}): ${a.reason[lang]}`)
  }

  const towns = groupByTown(r.stations, new Set(r.townAlerts.map((a) => a.town.code)))
  const sep = zh ? '、' : ', '
  for (const t of towns) {
    out.push('', `${t.name} (${t.slug}) — ${stateLabel(t.state, lang)}`)
    const rows: string[][] = []
    // Stations behind a town alert are that alert: one line, not one row each.
    const behind = t.stations.filter((s) => s.behindTownAlert)
    const fine = t.stations.filter((s) => !s.behindTownAlert && s.state === 'ok')
    for (const s of t.stations) {
      if (s.behindTownAlert || s.state === 'ok') continue
      const problems = s.checks.filter((c) => c.state !== 'ok').sort((a, b) => stateSeverity[b.state] - stateSeverity[a.state])
      let first = true
      for (const p of problems) {
        for (const line of wrap(p.reason[lang], opts.width ?? DETAILS_WIDTH)) {
          rows.push(first ? [stateLabel(s.state, lang), s.short, s.id, line] : ['', '', '', line])
          first = false
        }
      }
    }
    if (behind.length > 0) {
      const text = zh ? `${behind.length} 个站点在镇级上行线路之后（见镇级告警）：${behind.map((s) => s.short).join(sep)}` : `${behind.length} station${behind.length === 1 ? '' : 's'} behind the town's uplink (see town alert): ${behind.map((s) => s.short).join(sep)}`
      wrap(text, opts.width ?? DETAILS_WIDTH).forEach((line, i) => rows.push(i === 0 ? [stateLabel('unknown', lang), '', '', line] : ['', '', '', line]))
    }
    if (fine.length > 0) {
      const text = zh ? `${fine.length} 个站点全部正常：${fine.map((s) => s.short).join(sep)}` : `${fine.length} station${fine.length === 1 ? '' : 's'}, all checks ok: ${fine.map((s) => s.short).join(sep)}`
      wrap(text, opts.width ?? DETAILS_WIDTH).forEach((line, i) => rows.push(i === 0 ? [stateLabel('ok', lang), '', '', line] : ['', '', '', line]))
    }
    out.push(formatTable(zh ? ['状态', '站点', '编号', '情况'] : ['state', 'station', 'id', 'details'], rows))
  }
  if (r.stations.length === 0) out.push('', zh ? '范围内没有站点。' : 'No stations in scope.')

  if (r.changes) {
    out.push('', zh ? `变化（自 ${clockTime(Date.parse(r.since ?? r.generatedAt), opts.timeZone)} 起）` : `changes since ${clockTime(Date.parse(r.since ?? r.generatedAt), opts.timeZone)}`)
    if (r.changes.length === 0) out.push(zh ? '  没有状态变化。' : '  no state changes.')
    const names = new Map(r.stations.map((s) => [s.id, s.short]))
    const rows = r.changes.map((c) => [
      names.get(c.id) ?? '',
      c.id,
      c.transitions.map((tr) => `${clockTime(Date.parse(tr.at), opts.timeZone).slice(5)} ${stateNames[tr.from][lang]}→${stateNames[tr.to][lang]}`).join(', '),
    ])
    if (rows.length > 0) out.push(formatTable(zh ? ['站点', '编号', '变化'] : ['station', 'id', 'transitions'], rows))
  }
  return out.join('\n')
}

interface TownGroup {
  code: string
  slug: string
  name: string
  state: CheckState
  stations: StationHealth[]
}

/** Towns worst first (a town under a town alert counts as critical), stations worst first. */
export function groupByTown(stations: StationHealth[], alerted: ReadonlySet<string> = new Set()): TownGroup[] {
  const map = new Map<string, TownGroup>()
  for (const s of stations) {
    const g = map.get(s.town.code) ?? { ...s.town, state: 'ok' as CheckState, stations: [] }
    g.stations.push(s)
    map.set(s.town.code, g)
  }
  const groups = [...map.values()]
  for (const g of groups) {
    g.state = alerted.has(g.code) ? 'critical' : worst(g.stations.map((s) => s.state))
    g.stations.sort(byWorst)
  }
  return groups.sort((a, b) => stateSeverity[b.state] - stateSeverity[a.state] || a.code.localeCompare(b.code))
}

/**
 * Splits text into lines of at most `width` display cells (CJK counts two),
 * preferring to break after list separators and spaces. Bounded by the text length.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let rest = text
  while (stringWidth(rest) > width) {
    let cut = 0
    let lastBreak = 0
    let w = 0
    for (const ch of rest) {
      const cw = stringWidth(ch)
      if (w + cw > width) break
      w += cw
      cut += ch.length
      if (/[\s；，、：;,]/.test(ch)) lastBreak = cut
    }
    const at = lastBreak > cut / 2 ? lastBreak : Math.max(cut, 1)
    lines.push(rest.slice(0, at).trimEnd())
    rest = rest.slice(at).trimStart()
  }
  if (rest) lines.push(rest)
  return lines.length > 0 ? lines : ['']
}
