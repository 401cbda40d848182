import { formatTable } from '../cli/table.js'
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.js'
import type { ExecutorResult } from './executor.js'
import type { AbortConfig } from './thresholds.js'
import type { PlanStation, StateCounts, StationState, StationTimings } from './types.js'

/** The result of `push` / `rollout` (the `--json` `result`). Plain data, no secret. */
/**
 * Where a run's time went (ms). `render` (cloud step + render) and `preflight` overlap: the
 * preflight's connections open while the configs render.
 */
export interface RunPhases {
  /** process start → the run begins (node, the CLI, imports) */
  startup?: number
  /** inventory load and checks, operator key, station addresses */
  prepare?: number
  /** cloud step and render of the selected stations */
  render?: number
  /** the preflight look at every station (until its verdicts and the render are both ready) */
  preflight?: number
  /** the waves */
  waves?: number
  /** the HTML report */
  report?: number
}

export interface RolloutResult {
  command: 'rollout' | 'push'
  runId: string
  journal: string
  lab: boolean
  resumed: boolean
  cloud: { mode: string; notice: string }
  thresholds: AbortConfig | null
  waves: Array<{ index: number; name: string; stations: number; counts: StateCounts }>
  totals: StateCounts
  aborted: { reason: string; wave: number | null; rule: string } | null
  interrupted: boolean
  stations: Array<{
    id: string
    name: string
    town: string
    state: StationState
    configId: string | null
    ms: number
    attempts: number
    timings: StationTimings
    changed: string[]
    error?: { class: string; message: string }
  }>
  report?: string
  /** Why no report was written, when none was. */
  reportNotice?: string
  ms: number
  /** Where the time went, in ms (see RunPhases). */
  phases?: RunPhases
  /** What to run next (resume after an interrupt, rerun after failures). */
  next?: string
}

export function exitCodeFor(r: Pick<RolloutResult, 'aborted' | 'interrupted' | 'totals'>): ExitCodeValue {
  if (r.aborted) return ExitCode.Aborted
  const t = r.totals
  if (r.interrupted || t.failed + t.rolledBack + t.unreachable + t.skipped > 0) return ExitCode.PartialFailure
  return ExitCode.Success
}

export function runStatus(r: Pick<RolloutResult, 'aborted' | 'interrupted' | 'totals'>): 'ok' | 'partial' | 'aborted' | 'interrupted' {
  if (r.interrupted) return 'interrupted'
  if (r.aborted) return 'aborted'
  return exitCodeFor(r) === ExitCode.Success ? 'ok' : 'partial'
}

export function buildResult(args: {
  command: 'rollout' | 'push'
  runId: string
  journal: string
  lab: boolean
  resumed: boolean
  cloud: { mode: string; notice: string }
  thresholds: AbortConfig | null
  exec: ExecutorResult
  stations: ReadonlyMap<string, PlanStation>
  order: string[]
  ms: number
}): RolloutResult {
  const { exec } = args
  const stations = args.order
    .map((id) => {
      const o = exec.outcomes.get(id)
      const s = args.stations.get(id)
      if (!o) return undefined
      return {
        id,
        name: s?.name ?? id,
        town: s?.town.slug ?? '?',
        state: o.state,
        configId: o.configId,
        ms: o.ms,
        attempts: o.attempts,
        timings: o.timings,
        changed: o.changed,
        ...(o.error ? { error: o.error } : {}),
      }
    })
    .filter((x): x is NonNullable<typeof x> => x !== undefined)
  const r: RolloutResult = {
    command: args.command,
    runId: args.runId,
    journal: args.journal,
    lab: args.lab,
    resumed: args.resumed,
    cloud: args.cloud,
    thresholds: args.thresholds,
    waves: exec.waves.map((w) => ({ index: w.index, name: w.name, stations: w.stations.length, counts: w.counts })),
    totals: exec.totals,
    aborted: exec.aborted,
    interrupted: exec.interrupted,
    stations,
    ms: args.ms,
  }
  const next = nextStep(r)
  return next ? { ...r, next } : r
}

function nextStep(r: RolloutResult): string | undefined {
  const lab = r.lab ? ' --lab' : ''
  if (r.interrupted) return `lastmile ${r.command === 'push' ? 'rollout' : r.command} --resume ${r.runId}${lab}`
  if (r.aborted) return `fix the cause (see the failed stations), then \`lastmile rollout${lab}\` (or continue this run with \`lastmile rollout --resume ${r.runId}${lab}\`)`
  const t = r.totals
  if (t.failed + t.rolledBack + t.unreachable > 0) return `\`lastmile status${lab}\` for the stations left behind; \`lastmile ${r.command}${lab}\` again to retry them (confirmed ones cost one probe)`
  return undefined
}

function secs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`
}

/** The human summary printed at the end. */
export function formatRolloutResult(r: RolloutResult): string {
  const lines: string[] = []
  const rows = r.waves.map((w) => [String(w.index + 1), w.name, w.stations, w.counts.confirmed, w.counts.unchanged, w.counts.rolledBack, w.counts.failed, w.counts.unreachable, w.counts.skipped])
  const t = r.totals
  rows.push(['', 'total', r.stations.length, t.confirmed, t.unchanged, t.rolledBack, t.failed, t.unreachable, t.skipped])
  lines.push(formatTable(['wave', 'name', 'stations', 'confirmed', 'unchanged', 'rolled back', 'failed', 'unreachable', 'skipped'], rows, { align: ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] }))
  const bad = r.stations.filter((s) => s.state === 'failed' || s.state === 'rolled-back' || s.state === 'unreachable')
  if (bad.length > 0) {
    lines.push('')
    lines.push(
      formatTable(
        ['station', 'name', 'town', 'state', 'class', 'what happened'],
        bad.slice(0, 50).map((s) => [s.id, s.name, s.town, s.state, s.error?.class ?? '', (s.error?.message ?? '').slice(0, 160)]),
      ),
    )
    if (bad.length > 50) lines.push(`… and ${bad.length - 50} more (see --json or the report)`)
  }
  lines.push('')
  const verdict = r.aborted
    ? `ABORTED after wave ${(r.aborted.wave ?? 0) + 1}: ${r.aborted.reason}`
    : r.interrupted
      ? 'INTERRUPTED: stations in flight finished; the rest were not started'
      : t.failed + t.rolledBack + t.unreachable + t.skipped > 0
        ? 'PARTIAL: some stations were not brought to the new config'
        : 'OK: every station runs the desired config'
  lines.push(`${verdict}  (${r.command} ${r.runId}, ${secs(r.ms)}${r.lab ? ', lab' : ''})`)
  if (r.phases) lines.push(`time:    ${phaseLine(r.phases)}`)
  lines.push(`journal: ${r.journal}`)
  if (r.report) lines.push(`report:  ${r.report}`)
  else if (r.reportNotice) lines.push(`report:  ${r.reportNotice}`)
  if (r.cloud.mode === 'skipped') lines.push(`cloud:   ${r.cloud.notice}`)
  if (r.next) lines.push(`next:    ${r.next}`)
  return lines.join('\n')
}

/** `startup 0.4s · prepare 0.6s · render 0.7s ∥ preflight 1.9s · waves 0.0s · report 0.1s` */
export function phaseLine(p: RunPhases): string {
  const f = (ms: number | undefined): string => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`)
  const parts: string[] = []
  if (p.startup !== undefined) parts.push(`startup ${f(p.startup)}`)
  if (p.prepare !== undefined) parts.push(`prepare ${f(p.prepare)}`)
  if (p.render !== undefined && p.preflight !== undefined) parts.push(`render ${f(p.render)} ∥ preflight ${f(p.preflight)}`)
  else if (p.render !== undefined) parts.push(`render ${f(p.render)}`)
  if (p.waves !== undefined) parts.push(`waves ${f(p.waves)}`)
  if (p.report !== undefined) parts.push(`report ${f(p.report)}`)
  return parts.join(' · ')
}
