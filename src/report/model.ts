import type { Inventory } from '../inventory/model.js'
import type { JournalEvent } from '../rollout/journal.js'
import type { StateCounts, StationState } from '../rollout/types.js'
import type { CheckState } from '../health/types.js'
import type { Bilingual } from '../i18n/lang.js'
import type { ReportHealth } from './health-input.js'

/** A station's place in the run: its final state, still in flight, or not part of it. */
export type RunState = StationState | 'in-progress' | 'not-in-run'

export interface ReportStation {
  id: string
  name: string
  short: string
  run?: RunState
  health?: CheckState
  /** the first health problem, for the tooltip */
  healthNote?: Bilingual
  wifi: boolean
  fibre: 'planned' | 'in-progress' | 'done' | 'not-needed'
  wan: string
}

export interface ReportTown {
  code: string
  slug: string
  name: string
  stations: ReportStation[]
  alert?: Bilingual
}

export interface ReportWave {
  index: number
  name: string
  label: string
  kind: string
  stations: number
  startedAt?: number
  finishedAt?: number
  ms?: number
  counts?: StateCounts
}

export interface ReportFailure {
  station: string
  name: string
  town: string
  state: 'failed' | 'rolled-back' | 'unreachable'
  errorClass: string
  message: string
  at: string
  wave: number
}

export interface ReportRun {
  id: string
  command: string
  lab: boolean
  status: 'ok' | 'partial' | 'aborted' | 'interrupted' | 'running'
  startedAt: number
  finishedAt?: number
  lastEventAt: number
  counts: Record<RunState, number>
  waves: ReportWave[]
  failures: ReportFailure[]
  aborted?: { reason: string; rule: string; wave: number | null }
}

export interface ReportModel {
  district: { code: string; name: string }
  generatedAt: number
  run?: ReportRun
  /** runs found in the home, 0 when none yet */
  runsKnown: number
  towns: ReportTown[]
  health?: ReportHealth
  totals: { stations: number; towns: number }
  fibre: Array<{ town: string; done: number; inProgress: number; planned: number; notNeeded: number; total: number }>
  wifi: Array<{ town: string; withWifi: number; total: number }>
}

export interface BuildOptions {
  inventory: Inventory
  runId?: string
  events?: JournalEvent[]
  health?: ReportHealth
  runsKnown?: number
  now: number
}

/** Everything the HTML shows, computed from the inventory, the journal and health. Pure. */
export function buildReportModel(opts: BuildOptions): ReportModel {
  const inv = opts.inventory
  const run = opts.events && opts.events.length > 0 ? summariseRun(inv, opts.runId ?? '', opts.events) : undefined
  const health = new Map((opts.health?.stations ?? []).map((s) => [s.id, s]))
  const runStates = run ? finalStates(opts.events ?? []) : undefined
  const alerts = new Map((opts.health?.townAlerts ?? []).map((a) => [a.town, a.reason]))

  const towns: ReportTown[] = inv.towns.map((t) => ({
    code: t.code,
    slug: t.slug,
    name: t.name,
    ...(alerts.has(t.code) ? { alert: alerts.get(t.code) as Bilingual } : {}),
    stations: t.stations
      .filter((s) => s.hasStation)
      .map((s) => {
        const h = health.get(s.id)
        const first = h?.problems[0]
        return {
          id: s.id,
          name: s.name,
          short: s.short,
          ...(runStates ? { run: runStates.get(s.id) ?? 'not-in-run' } : {}),
          ...(h ? { health: h.state } : {}),
          ...(first ? { healthNote: first.reason } : {}),
          wifi: Boolean(s.wifi),
          fibre: s.fibreUpgrade.status,
          wan: s.wan.type,
        }
      }),
  }))

  return {
    district: { code: inv.district.code, name: inv.district.name },
    generatedAt: opts.now,
    ...(run ? { run } : {}),
    runsKnown: opts.runsKnown ?? (run ? 1 : 0),
    towns,
    ...(opts.health ? { health: opts.health } : {}),
    totals: { stations: towns.reduce((n, t) => n + t.stations.length, 0), towns: towns.length },
    fibre: towns.map((t) => ({
      town: t.code,
      done: t.stations.filter((s) => s.fibre === 'done').length,
      inProgress: t.stations.filter((s) => s.fibre === 'in-progress').length,
      planned: t.stations.filter((s) => s.fibre === 'planned').length,
      notNeeded: t.stations.filter((s) => s.fibre === 'not-needed').length,
      total: t.stations.length,
    })),
    wifi: towns.map((t) => ({ town: t.code, withWifi: t.stations.filter((s) => s.wifi).length, total: t.stations.length })),
  }
}

/** The state each station ended in (the last terminal event wins: a resumed run may redo one). */
export function finalStates(events: JournalEvent[]): Map<string, RunState> {
  const out = new Map<string, RunState>()
  for (const e of events) {
    if (e.type === 'run-started') for (const s of e.stations) if (!out.has(s.id)) out.set(s.id, 'in-progress')
    switch (e.type) {
      case 'confirmed':
      case 'unchanged':
      case 'rolled-back':
      case 'failed':
      case 'skipped':
        out.set(e.station, e.type)
        break
      case 'unreachable':
        if (e.final) out.set(e.station, 'unreachable')
        break
      case 'station-started':
        out.set(e.station, 'in-progress')
        break
      default:
        break
    }
  }
  return out
}

function summariseRun(inv: Inventory, runId: string, events: JournalEvent[]): ReportRun {
  const started = events.find((e): e is Extract<JournalEvent, { type: 'run-started' }> => e.type === 'run-started')
  const finished = [...events].reverse().find((e): e is Extract<JournalEvent, { type: 'run-finished' }> => e.type === 'run-finished')
  const aborted = [...events].reverse().find((e): e is Extract<JournalEvent, { type: 'aborted' }> => e.type === 'aborted')
  const ts = (e: { ts: string }): number => Date.parse(e.ts)
  const startedAt = started ? ts(started) : ts(events[0] as JournalEvent)
  const lastEventAt = Math.max(...events.map(ts).filter((n) => !Number.isNaN(n)))
  const states = finalStates(events)
  const counts: Record<RunState, number> = { confirmed: 0, unchanged: 0, 'rolled-back': 0, failed: 0, unreachable: 0, skipped: 0, 'in-progress': 0, 'not-in-run': 0 }
  for (const s of states.values()) counts[s]++
  counts['not-in-run'] = inv.stations.filter((s) => s.hasStation && !states.has(s.id)).length

  const waveDefs = started?.waves ?? []
  const townName = new Map(inv.towns.map((t) => [t.slug, t.name]))
  const waves: ReportWave[] = waveDefs.map((w) => ({ index: w.index, name: w.name, label: waveLabel(w.name, w.kind, townName), kind: w.kind, stations: w.stations.length }))
  for (const e of events) {
    if (e.type === 'wave-started') {
      let w = waves.find((x) => x.index === e.wave)
      if (!w) {
        w = { index: e.wave, name: e.name, label: waveLabel(e.name, '', townName), kind: '', stations: e.stations.length }
        waves.push(w)
      }
      w.startedAt ??= ts(e)
    } else if (e.type === 'wave-finished') {
      const w = waves.find((x) => x.index === e.wave)
      if (w) {
        w.finishedAt = ts(e)
        w.ms = e.ms
        w.counts = e.counts
      }
    }
  }
  waves.sort((a, b) => a.index - b.index)

  const byId = new Map(inv.stations.map((s) => [s.id, s]))
  const failures: ReportFailure[] = []
  const lastFailure = new Map<string, ReportFailure>()
  for (const e of events) {
    let f: ReportFailure | undefined
    const st = 'station' in e && typeof e.station === 'string' ? byId.get(e.station) : undefined
    const base = (station: string, wave: number) => ({ station, name: st?.name ?? station, town: st?.town.name ?? '', at: e.ts, wave })
    if (e.type === 'failed') f = { ...base(e.station, e.wave), state: 'failed', errorClass: e.errorClass, message: e.message }
    else if (e.type === 'rolled-back') f = { ...base(e.station, e.wave), state: 'rolled-back', errorClass: 'rolled-back', message: e.reason }
    else if (e.type === 'unreachable' && e.final) f = { ...base(e.station, e.wave), state: 'unreachable', errorClass: e.errorClass, message: e.message }
    if (f) lastFailure.set(f.station, f)
  }
  // Only stations that ended failed (a station retried to success is not a failure of the run).
  for (const [id, f] of lastFailure) if (states.get(id) === f.state) failures.push(f)

  return {
    id: runId,
    command: started?.command ?? 'rollout',
    lab: started?.lab ?? false,
    status: finished?.status ?? (aborted ? 'aborted' : 'running'),
    startedAt,
    ...(finished ? { finishedAt: ts(finished) } : {}),
    lastEventAt,
    counts,
    waves,
    failures,
    ...(aborted ? { aborted: { reason: aborted.reason, rule: aborted.rule, wave: aborted.wave } } : {}),
  }
}

function waveLabel(name: string, kind: string, townName: Map<string, string>): string {
  if (name === 'canary' || kind === 'canary') return '试点 canary'
  const t = townName.get(name)
  if (t) return `${t} ${name}`
  return name
}
