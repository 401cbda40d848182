import type { JournalEventBody } from './journal.js'
import type { AppliedRecorder, DesiredConfig, HealthAssessor, Sleep, StationConnector } from './ports.js'
import type { ResumeAction } from './resume.js'
import { schedule, type ConcurrencyLimits } from './scheduler.js'
import { runStation } from './station-run.js'
import { canaryAbortConfig, shouldAbort, thresholdCounts, type AbortConfig, type AbortDecision } from './thresholds.js'
import { countStates, emptyCounts, type PlanStation, type StateCounts, type StationOutcome, type Wave } from './types.js'

/**
 * Runs the waves: each wave's stations under the concurrency limits, its
 * unreachable stations retried at the end of the wave with backoff, a health
 * gate, then the thresholds (per wave and overall) decide whether the next
 * wave starts. A first Ctrl-C (`stop`) starts nothing new; stations in flight
 * finish (confirm or roll back).
 */
export interface ExecutorOptions {
  runId: string
  waves: Wave[]
  stations: ReadonlyMap<string, PlanStation>
  desired: ReadonlyMap<string, DesiredConfig>
  /** null: never abort (push). */
  thresholds: AbortConfig | null
  limits: ConcurrencyLimits
  confirmWithinS: number
  watchdogMarginS: number
  pollIntervalMs: number
  /** Extra attempts for unreachable stations at the end of their wave, and the first backoff (doubles). */
  unreachableRetry: { attempts: number; backoffMs: number }
  /** Pause between waves (ms): time for monitoring to notice trouble before the next town. */
  pauseMs: number
  /** Resume: what to do per station (absent = run normally). */
  actions?: ReadonlyMap<string, ResumeAction>
  /** Outcomes carried over from the resumed run (kept stations). */
  carried?: ReadonlyMap<string, StationOutcome>
  connector: StationConnector
  recorder: AppliedRecorder
  assessHealth?: HealthAssessor
  journal: (e: JournalEventBody) => Promise<void>
  now: () => number
  sleep: Sleep
  stop: AbortSignal
}

export interface WaveResult {
  index: number
  name: string
  kind: Wave['kind']
  stations: string[]
  counts: StateCounts
  ms: number
  started: boolean
}

export interface ExecutorResult {
  waves: WaveResult[]
  outcomes: Map<string, StationOutcome>
  aborted: { reason: string; rule: string; wave: number | null } | null
  interrupted: boolean
  totals: StateCounts
}

export async function executeWaves(opts: ExecutorOptions): Promise<ExecutorResult> {
  const outcomes = new Map<string, StationOutcome>(opts.carried ?? [])
  /** Last unreachable outcome per station (its error goes into the final report). */
  const lastUnreachable = new Map<string, StationOutcome>()
  const waves: WaveResult[] = []
  let aborted: ExecutorResult['aborted'] = null

  const stationIn = (w: Wave) => w.stations.map((id) => outcomes.get(id)).filter((o): o is StationOutcome => o !== undefined)

  for (const wave of opts.waves) {
    const wr: WaveResult = { index: wave.index, name: wave.name, kind: wave.kind, stations: wave.stations, counts: emptyCounts(), ms: 0, started: false }
    waves.push(wr)
    const todo = wave.stations.filter((id) => !outcomes.has(id))
    if (todo.length === 0) {
      wr.counts = countStates(stationIn(wave))
      continue
    }
    if (aborted || opts.stop.aborted) {
      await skipAll(opts, wave, todo, outcomes, aborted ? `not started: the rollout was aborted (${aborted.reason})` : 'not started: the rollout was interrupted')
      wr.counts = countStates(stationIn(wave))
      continue
    }
    const tw = opts.now()
    wr.started = true
    await opts.journal({ type: 'wave-started', wave: wave.index, name: wave.name, stations: wave.stations })
    const waveConfig = opts.thresholds ? (wave.kind === 'canary' ? canaryAbortConfig(opts.thresholds) : opts.thresholds) : null

    const gate: { stop: AbortDecision | null } = { stop: null }
    const check = (includeUnreachable: boolean): AbortDecision | null => {
      if (!waveConfig || !opts.thresholds) return null
      const waveCounts = thresholdCounts(countStates(stationIn(wave)))
      const all = thresholdCounts(countStates(outcomes.values()))
      // Mid-wave, unreachable stations are still to be retried: judge them at the end of the wave.
      const cfgW = includeUnreachable ? waveConfig : { ...waveConfig, unreachable: { minExecuted: Number.MAX_SAFE_INTEGER, percent: 100 } }
      const cfgA = includeUnreachable ? opts.thresholds : { ...opts.thresholds, unreachable: { minExecuted: Number.MAX_SAFE_INTEGER, percent: 100 } }
      const w = shouldAbort(waveCounts, cfgW, `wave ${wave.index} (${wave.name})`)
      if (w.abort) return w
      const a = shouldAbort(all, cfgA, 'the run so far')
      return a.abort ? a : null
    }

    const items = todo.map((id) => ({ id, town: opts.stations.get(id)?.town.code ?? '?' }))
    const deferredOrSkipped: string[] = []
    let deferred: string[] = []
    const runOne = async (id: string, attempt: number): Promise<StationOutcome> => {
      const desired = opts.desired.get(id)
      await opts.journal({ type: 'station-started', wave: wave.index, station: id, attempt })
      if (!desired) {
        return { id, state: 'failed', configId: null, changed: [], ms: 0, timings: {}, attempts: attempt, error: { class: 'render', message: `no rendered config for station ${id}` } }
      }
      const action = opts.actions?.get(id)
      try {
        return await runStation({
          stationId: id,
          desired,
          runId: opts.runId,
          wave: wave.index,
          attempt,
          confirmWithinS: opts.confirmWithinS,
          watchdogMarginS: opts.watchdogMarginS,
          pollIntervalMs: opts.pollIntervalMs,
          ...(action?.action === 'run' ? { adoptPendingIds: action.adoptPendingIds } : {}),
          ...(action?.action === 'settle' ? { reconcile: { configId: action.configId } } : {}),
          connector: opts.connector,
          recorder: opts.recorder,
          ...(opts.assessHealth ? { assessHealth: opts.assessHealth } : {}),
          journal: opts.journal,
          now: opts.now,
          sleep: opts.sleep,
        })
      } catch (err) {
        // A bug or a journal write failure: report it on the station, keep the run going.
        return { id, state: 'failed', configId: null, changed: [], ms: 0, timings: {}, attempts: attempt, error: { class: 'internal', message: (err as Error).message ?? String(err) } }
      }
    }

    const settle = async (o: StationOutcome, final: boolean): Promise<void> => {
      if (o.state === 'unreachable' && !final) {
        await opts.journal({ type: 'unreachable', wave: wave.index, station: o.id, errorClass: o.error?.class ?? 'unreachable', message: o.error?.message ?? '', attempt: o.attempts, final: false, ms: o.ms })
        return
      }
      outcomes.set(o.id, o)
      await journalOutcome(opts, wave.index, o)
    }

    const pass = async (list: Array<{ id: string; town: string }>, attempt: number): Promise<string[]> => {
      const stillUnreachable: string[] = []
      const r = await schedule(list, {
        limits: opts.limits,
        mayStart: () => !opts.stop.aborted && gate.stop === null,
        run: async (item) => {
          const o = await runOne(item.id, attempt)
          const gated = applyHealthGate(o)
          await settle(gated, false)
          if (gated.state === 'unreachable') {
            lastUnreachable.set(gated.id, gated)
            stillUnreachable.push(item.id)
          } else if (!gate.stop) gate.stop = check(false)
          return gated
        },
      })
      for (const item of r.notStarted) deferredOrSkipped.push(item.id)
      return stillUnreachable
    }

    deferred = await pass(items, 1)
    // Unreachable stations: retry at the end of the wave, with backoff; nothing was changed on them.
    let lastAttempt = 1
    for (let k = 0; k < opts.unreachableRetry.attempts && deferred.length > 0; k++) {
      if (opts.stop.aborted || gate.stop) break
      const wait = opts.unreachableRetry.backoffMs * 2 ** k
      for (const id of deferred) await opts.journal({ type: 'deferred', wave: wave.index, station: id, attempt: k + 2, retryInMs: wait })
      try {
        await opts.sleep(wait, opts.stop)
      } catch {
        break // interrupted while waiting
      }
      if (opts.stop.aborted) break
      lastAttempt = k + 2
      deferred = await pass(
        deferred.map((id) => ({ id, town: opts.stations.get(id)?.town.code ?? '?' })),
        lastAttempt,
      )
    }
    for (const id of deferred) {
      const o = lastUnreachable.get(id)
      const final: StationOutcome = { ...(o ?? { id, state: 'unreachable', configId: null, changed: [], ms: 0, timings: {} }), attempts: lastAttempt }
      outcomes.set(id, final)
      await opts.journal({ type: 'unreachable', wave: wave.index, station: id, errorClass: final.error?.class ?? 'unreachable', message: final.error?.message ?? 'unreachable', attempt: final.attempts, final: true, ms: final.ms })
    }
    const notRun = deferredOrSkipped.filter((id) => !outcomes.has(id))
    if (notRun.length > 0) {
      const why = gate.stop ? `not started: the rollout was aborted (${gate.stop.reason})` : 'not started: the rollout was interrupted'
      await skipAll(opts, wave, notRun, outcomes, why)
    }

    wr.counts = countStates(stationIn(wave))
    wr.ms = opts.now() - tw
    await opts.journal({ type: 'wave-finished', wave: wave.index, name: wave.name, counts: wr.counts, ms: wr.ms })

    const decision = gate.stop ?? check(true)
    if (decision?.abort && decision.reason) {
      aborted = { reason: decision.reason, rule: decision.rule ?? 'failure', wave: wave.index }
      await opts.journal({ type: 'aborted', wave: wave.index, reason: decision.reason, rule: aborted.rule })
    }
    const isLast = wave === opts.waves[opts.waves.length - 1]
    if (!aborted && !opts.stop.aborted && !isLast && opts.pauseMs > 0) {
      try {
        await opts.sleep(opts.pauseMs, opts.stop)
      } catch {
        // interrupted during the pause
      }
    }
  }

  const interrupted = opts.stop.aborted
  return { waves, outcomes, aborted, interrupted, totals: countStates(outcomes.values()) }
}

/** The health gate: a confirmed station whose agent health is critical counts as failed. */
export function applyHealthGate(o: StationOutcome): StationOutcome {
  if (o.state !== 'confirmed' || !o.healthCritical || o.healthCritical.length === 0) return o
  return { ...o, state: 'failed', error: { class: 'health-critical', message: `confirmed, but its health check is critical: ${o.healthCritical.join('; ')}` } }
}

async function skipAll(opts: ExecutorOptions, wave: Wave, ids: string[], outcomes: Map<string, StationOutcome>, reason: string): Promise<void> {
  for (const id of ids) {
    outcomes.set(id, { id, state: 'skipped', configId: null, changed: [], ms: 0, timings: {}, attempts: 0, error: { class: 'skipped', message: reason } })
    await opts.journal({ type: 'skipped', wave: wave.index, station: id, reason })
  }
}

async function journalOutcome(opts: ExecutorOptions, wave: number, o: StationOutcome): Promise<void> {
  const base = { wave, station: o.id, ms: o.ms, timings: o.timings }
  switch (o.state) {
    case 'confirmed':
      return opts.journal({ type: 'confirmed', ...base, configId: o.configId ?? '' })
    case 'unchanged':
      return opts.journal({ type: 'unchanged', ...base, configId: o.configId ?? '' })
    case 'rolled-back':
      return opts.journal({ type: 'rolled-back', ...base, configId: o.configId, reason: o.error ? `${o.error.class}: ${o.error.message}` : 'rolled back' })
    case 'failed':
      if (o.healthCritical) await opts.journal({ type: 'health', wave, station: o.id, critical: o.healthCritical })
      return opts.journal({ type: 'failed', ...base, configId: o.configId, errorClass: o.error?.class ?? 'internal', message: o.error?.message ?? '' })
    case 'unreachable':
      return opts.journal({ type: 'unreachable', wave, station: o.id, errorClass: o.error?.class ?? 'unreachable', message: o.error?.message ?? '', attempt: o.attempts, final: true, ms: o.ms })
    case 'skipped':
      return opts.journal({ type: 'skipped', wave, station: o.id, reason: o.error?.message ?? 'skipped' })
  }
}
