import { createHash } from 'node:crypto'
import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync, unlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import path from 'node:path'
import { InvalidInputError, LastmileError, UsageError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import { crossCheck } from '../inventory/cross-checks.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import type { Inventory, Station } from '../inventory/model.js'
import { selectStations } from '../inventory/select.js'
import { inventoryUnderLab, readLabTarget, type LabTarget } from '../lab/target.js'
import { renderAll } from '../render/render-all.js'
import { loadFingerprintKey } from '../state/fingerprint-key.js'
import { lastmileHome, statePaths } from '../state/paths.js'
import { openYamlParseCache } from '../inventory/parse-cache.js'
import type { SshIdentity } from '../ssh/session.js'
import type { SshTarget } from '../ssh/targets.js'
import { executeWaves, type ExecutorResult } from './executor.js'
import { JournalWriter, journalPath, listRuns, newRunId, readJournal, repairTornTail, type JournalEvent, type JournalEventBody, type PlannedStation } from './journal.js'
import { acquireLock, lockStatus, pidAlive, type HeldLock } from './lock.js'
import { planWaves, singleWave, type PlanOptions } from './planner.js'
import type { DesiredConfig, Sleep, StationConnector } from './ports.js'
import type { ProgressReporter } from './progress.js'
import { buildResult, runStatus, type RolloutResult, type RunPhases } from './result.js'
import { isResumable, isUnfinished, resumePlan, type ResumePlan } from './resume.js'
import { defaultCloudStep, defaultLabControl, defaultReportWriter, type CloudStep, type CloudStepResult, type LabControl, type ReportWriter } from './seams.js'
import type { ProbeOnlyResult } from './station-run.js'
import { preflight, upToDateOutcomes, wavesAfterPreflight } from './preflight.js'
import type { RenderedStation } from '../render/station.js'
import { checkAbortConfig, defaultAbortConfig, type AbortConfig } from './thresholds.js'
import type { PlanStation, StationOutcome, Wave } from './types.js'
import { loadPlatform } from '../render/platform.js'
import { appliedRecorder, desiredFromRendered, healthAssessor, resolveTargets, sshConnector } from './wiring.js'
import { labLeftOutMessage, narrowToLab } from './lab-selection.js'

/**
 * `lastmile push` and `lastmile rollout`: everything between the flags and the
 * stations. Validate the inventory → cloud step → render → plan waves → ask →
 * lock → journal → execute → report. The command classes only parse flags and
 * print.
 */
export interface RunOptions {
  command: 'rollout' | 'push'
  inventoryDir: string
  /** --inventory was given (else, in the lab, the lab's own inventory is used) */
  inventoryExplicit?: boolean
  towns?: string[]
  stations?: string[]
  lab?: boolean
  /** rollout --lab started a lab: leave it running at the end */
  keepLab?: boolean
  dryRun?: boolean
  confirmWithinS?: number
  /** global concurrency (default district.rollout.maxConcurrent) */
  concurrency?: number
  /** ms from the process start to this call (the CLI passes it; reported as phases.startup) */
  startupMs?: number
  /** stations looked at once in the preflight (default district.rollout.preflightConcurrent) */
  preflightConcurrency?: number
  strategy?: PlanOptions['strategy']
  waveSize?: number
  thresholds?: { maxFailurePercent?: number; minExecuted?: number; maxUnreachablePercent?: number }
  pauseS?: number
  /** a run id, or 'latest' (the latest unfinished run) */
  resume?: string
  breakLock?: boolean
  /** Pulumi stack for the cloud step (default: lab with --lab, else prod) */
  stack?: string
  /** --yes: the cloud step may run `infra up` without asking */
  yes?: boolean
  env?: NodeJS.ProcessEnv
  cwd?: string
  reporter: ProgressReporter
  /** first Ctrl-C: start nothing new */
  stop: AbortSignal
  /** asked once before anything changes (interactive confirmation); false = cancel */
  confirm?: (preview: RunPreview) => Promise<boolean>
  /** the run started: what a second Ctrl-C needs to leave a clean trail */
  onRunStarted?: (h: RunHandle) => void
  warn?: (text: string) => void
  // injectable for tests
  now?: () => number
  sleep?: Sleep
  random?: (n: number) => Buffer
  connectorFactory?: (targets: ReadonlyMap<string, SshTarget>, identity: SshIdentity) => Promise<StationConnector>
  cloudStep?: CloudStep
  labControl?: LabControl | null
  reportWriter?: ReportWriter | null
  unreachableRetry?: { attempts: number; backoffMs: number }
  watchdogMarginS?: number
  pollIntervalMs?: number
}

export interface RunPreview {
  command: 'rollout' | 'push'
  lab: boolean
  stations: number
  towns: number
  /** stations the preflight found up to date (nothing will be done to them) */
  upToDate?: number
  /** the waves of the stations that change */
  waves: Array<{ name: string; stations: number }>
  resume?: string
}

/** For the second Ctrl-C: journal a last line and give the lock back, synchronously. */
export interface RunHandle {
  runId: string
  journal: string
  hardStop(): void
}

export interface DryRunResult {
  command: 'push'
  dryRun: true
  lab: boolean
  cloud: { mode: string; notice: string }
  totals: { stations: number; upToDate: number; wouldChange: number; unreachable: number; failed: number }
  stations: Array<{ id: string; name: string; town: string; configId: string; upToDate: boolean; appliedId: string | null; pendingId: string | null; changed: string[]; agentMissing?: boolean; error?: { class: string; message: string }; ms: number }>
}

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'))
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new Error('aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

export async function runRollout(opts: RunOptions): Promise<RolloutResult | DryRunResult> {
  const env = opts.env ?? process.env
  const home = lastmileHome(env, opts.cwd)
  const now = opts.now ?? Date.now
  const t0 = now()
  /** Where the time went (ms), for the result: a slow run should say whether it was the link or us. */
  const phases: RunPhases = {}

  // --resume: the journal says what the run was (inventory, lab, stations, thresholds).
  let resume: { runId: string; plan: ResumePlan; events: number; torn: boolean } | undefined
  if (opts.resume) resume = await findResumable(home, opts.resume)
  const started = resume?.plan.started
  const command = started?.command ?? opts.command
  const lab = started?.lab ?? opts.lab ?? false

  // Lab: use the running one, or start one for the duration (rollout --lab quick start).
  let labTarget: LabTarget | undefined
  let labStartedHere = false
  const labControl = opts.labControl === undefined ? await defaultLabControl() : opts.labControl
  if (lab) {
    try {
      labTarget = await readLabTarget(home)
      if (!pidAlive(labTarget.pid)) throw new UsageError(`the lab recorded in ${home} is not running (pid ${labTarget.pid} is gone)`, 'Run `lastmile lab down` to clean up, then `lastmile lab up`.')
    } catch (err) {
      if (!labControl || opts.dryRun || resume) throw err
      opts.reporter.note(`no lab running: starting one from ${opts.inventoryDir} for this ${command} (${opts.keepLab ? 'it stays up afterwards' : 'stopped at the end; --keep-lab keeps it'})`)
      labTarget = await labControl.start({ inventoryDir: opts.inventoryDir, home, env })
      labStartedHere = true
    }
  }

  try {
    const inventoryDir = started?.inventory ?? inventoryUnderLab(labTarget, opts.inventoryDir, opts.inventoryExplicit)
    const cache = await openYamlParseCache(path.join(statePaths.cache(home), 'inventory-yaml.json'))
    const { inventory, warnings } = await loadInventoryOrThrow(inventoryDir, { cache })
    for (const w of warnings) opts.warn?.(w.message)
    // Secrets are resolved and checked once, by the render (with the lab's practice values under
    // --lab), which fails with every missing or unusable one; checking them here too would resolve
    // each twice and turn every unset one into a warning nobody sees.
    const problems = await crossCheck(inventory, { env, secrets: false })
    const errors = problems.filter((p) => p.severity === 'error')
    if (errors.length > 0) throw new InvalidInputError(`the inventory in ${inventoryDir} has ${errors.length} error${errors.length === 1 ? '' : 's'}`, problems, 'Fix each file:line above, then run `lastmile inventory validate`; nothing was pushed.')

    let selected = started ? selectStations(inventory, { stations: started.stations.map((s) => s.id) }) : selectStations(inventory, { towns: opts.towns, stations: opts.stations })
    if (selected.length === 0) throw new UsageError('no stations selected', 'Check --town / --station (`lastmile inventory show` lists them).')

    // The transport first: the preflight's connections open while the configs render.
    const { ssh, warning } = await operatorSsh(inventory, env, labTarget)
    if (warning) opts.warn?.(warning)
    const targets = await resolveTargets(inventory, selected, home, labTarget)
    // A lab of fewer stations (`lab up --stations N`): push to the ones it runs. A resumed run
    // keeps its journal's stations (one missing now is unreachable, as in the run it continues).
    if (labTarget && !started) {
      const narrowed = narrowToLab(selected, new Set(targets.keys()), opts.stations ?? [])
      if (narrowed.leftOut > 0) {
        // A warning (not a progress note): under --json it is in the envelope's warnings.
        const leftOut = labLeftOutMessage(narrowed.selected.length, narrowed.leftOut, (one) => `${one ? 'is' : 'are'} left out of this ${command} (\`lastmile lab status\` lists the lab's stations)`)
        if (opts.warn) opts.warn(leftOut)
        else opts.reporter.note(leftOut)
        selected = narrowed.selected
      }
    }

    const planStations = new Map<string, PlanStation>(selected.map((s) => [s.id, toPlanStation(s)]))
    const stationsById = new Map(selected.map((s) => [s.id, s]))
    const connector = opts.connectorFactory ? await opts.connectorFactory(targets, ssh) : await sshConnector({ targets, identity: ssh })

    const rollout = inventory.district.rollout
    const limits = {
      maxConcurrent: Math.max(1, opts.concurrency ?? started?.limits.maxConcurrent ?? rollout.maxConcurrent),
      perTownConcurrent: Math.max(1, Math.min(opts.concurrency ?? Infinity, started?.limits.perTownConcurrent ?? rollout.perTownConcurrent)),
    }
    const confirmWithinS = started?.confirmWithinS ?? opts.confirmWithinS ?? rollout.confirmWithinSeconds

    phases.prepare = now() - t0
    const tRender = now()
    const renderP = renderDesired({ inventory, selected, env, lab, home, command: opts.command, ...(opts.stack ? { stack: opts.stack } : {}), yes: opts.yes ?? false, ...(opts.cloudStep ? { cloudStep: opts.cloudStep } : {}) })
    // Observed below; without this a render error would also surface as an unhandled rejection.
    renderP.then(() => (phases.render = now() - tRender), () => undefined)

    const runId = resume?.runId ?? newRunId(now, opts.random)
    // Taken before the preflight: what it finds must not change under us before the waves.
    const lock = opts.dryRun ? null : await takeLock(home, runId, selected.length, command, Boolean(opts.breakLock), resume, opts.reporter)
    let journal: JournalWriter | undefined
    try {
      // Preflight (not on --resume: the journal knows the stations' states).
      const tLook = now()
      const looked = resume
        ? undefined
        : await preflight({
            items: selected.map((s) => ({ id: s.id, town: s.town.code })),
            connector,
            desired: renderP.then((r) => r.desired),
            concurrency: opts.preflightConcurrency ?? rollout.preflightConcurrent,
            now,
            stop: opts.stop,
          })
      const { cloud, renderedById, desired } = await renderP
      if (looked) phases.preflight = now() - tLook
      if (cloud.notice && cloud.mode !== 'pulumi-up' && !(cloud.mode === 'outputs' && lab)) opts.warn?.(cloud.notice)

      if (opts.dryRun) return dryRunResult({ looked: looked ?? new Map(), selected, desired, planStations, lab, cloud })

      const thresholds: AbortConfig | null = command === 'push' ? null : (started?.thresholds ?? abortConfigFrom(opts.thresholds))
      const upToDate = looked ? upToDateOutcomes(looked, desired) : new Map<string, StationOutcome>()
      const waves: Wave[] = started
        ? started.waves
        : wavesAfterPreflight([...planStations.values()], new Set(upToDate.keys()), (rest) =>
            command === 'push' ? singleWave(rest) : planWaves(rest, { ...(opts.strategy ? { strategy: opts.strategy } : {}), ...(opts.waveSize ? { waveSize: opts.waveSize } : {}) }),
          )

      if (opts.confirm) {
        const ok = await opts.confirm({
          command,
          lab,
          stations: selected.length,
          towns: new Set(selected.map((s) => s.town.code)).size,
          ...(looked ? { upToDate: upToDate.size } : {}),
          waves: waves.filter((w) => w.kind !== 'preflight').map((w) => ({ name: w.name, stations: w.stations.length })),
          ...(resume ? { resume: resume.runId } : {}),
        })
        if (!ok) throw new LastmileError('not confirmed: nothing was changed', { exitCode: ExitCode.Usage, code: 'cancelled', hint: 'Run again and answer y, or pass --yes.' })
      }

      if (resume) await repairTornTail(journalPath(home, runId))
      journal = await JournalWriter.open(home, runId, now)
      const j = journal
      const append = async (e: JournalEventBody): Promise<void> => {
        await j.append(e)
        opts.reporter.event(e)
      }
      const recorder = appliedRecorder(home, renderedById)
      opts.onRunStarted?.({ runId, journal: j.file, hardStop: () => (lock ? hardStop(j.file, lock, now) : undefined) })

      if (resume) {
        await append({ type: 'run-resumed', pid: process.pid, host: hostname(), fromEvents: resume.events, torn: resume.torn })
      } else {
        await append({
          type: 'run-started',
          command,
          lab,
          inventory: inventoryDir,
          inventoryHash: inventoryHash(inventory),
          waves,
          stations: waves.flatMap((w) => w.stations).map((id): PlannedStation => ({ id, name: planStations.get(id)?.name ?? id, town: planStations.get(id)?.town.slug ?? '?', configId: desired.get(id)?.configId ?? '' })),
          thresholds,
          confirmWithinS,
          limits,
          pid: process.pid,
          host: hostname(),
        })
        // The preflight's up-to-date stations: one write, one fsync.
        const settled: JournalEventBody[] = [...upToDate.values()].map((o) => ({ type: 'unchanged', wave: 0, station: o.id, configId: o.configId ?? '', ms: o.ms, timings: o.timings }))
        await j.appendMany(settled)
        await Promise.all([...upToDate.values()].map((o) => recorder.record({ stationId: o.id, configId: o.configId ?? '', runId, at: new Date(now()).toISOString(), files: [], unchanged: true })))
      }
      opts.reporter.start({ runId, command, waves, stations: planStations })
      if (looked) opts.reporter.note(preflightSummary(looked, upToDate.size, now() - tLook))

      const carried = resume ? carriedOutcomes(resume.plan) : upToDate
      const tWaves = now()
      const exec: ExecutorResult = await executeWaves({
        runId,
        waves,
        stations: planStations,
        desired,
        thresholds,
        limits,
        confirmWithinS,
        watchdogMarginS: opts.watchdogMarginS ?? Math.max(30, Math.ceil(confirmWithinS / 2)),
        pollIntervalMs: opts.pollIntervalMs ?? 5_000,
        unreachableRetry: opts.unreachableRetry ?? { attempts: 2, backoffMs: 15_000 },
        pauseMs: Math.max(0, (opts.pauseS ?? 0) * 1000),
        ...(resume ? { actions: resume.plan.stations } : {}),
        carried,
        connector,
        recorder,
        assessHealth: healthAssessor(stationsById, now),
        journal: append,
        now,
        sleep: opts.sleep ?? realSleep,
        stop: opts.stop,
      })
      phases.waves = now() - tWaves
      if (exec.interrupted) await append({ type: 'interrupted', wave: exec.waves.filter((w) => w.started).at(-1)?.index ?? null, hard: false })

      const result = buildResult({
        command,
        runId,
        journal: j.file,
        lab,
        resumed: Boolean(resume),
        cloud: { mode: cloud.mode, notice: cloud.notice },
        thresholds,
        exec,
        stations: planStations,
        order: waves.flatMap((w) => w.stations),
        ms: now() - t0,
      })

      // The report is written for every run, good or bad.
      const tReport = now()
      const writer = opts.reportWriter === undefined ? await defaultReportWriter() : opts.reportWriter
      if (writer) {
        try {
          const events = [...(resume ? (await readJournal(home, runId)).events : j.events), { ts: new Date(now()).toISOString(), type: 'run-finished', status: runStatus(result), totals: result.totals, ms: result.ms } as JournalEvent]
          const file = await writer({ home, runId, inventory, events, env })
          if (file) result.report = file
        } catch (err) {
          result.reportNotice = `the report could not be written: ${(err as Error).message}`
        }
      } else {
        result.reportNotice = 'no HTML report (disabled)'
      }
      phases.report = now() - tReport
      result.phases = { ...(opts.startupMs !== undefined ? { startup: Math.round(opts.startupMs) } : {}), ...phases }
      await append({ type: 'run-finished', status: runStatus(result), totals: result.totals, ms: result.ms, ...(result.report ? { report: result.report } : {}) })
      opts.reporter.finish()
      return result
    } finally {
      opts.reporter.finish()
      await journal?.close().catch(() => undefined)
      await lock?.release().catch(() => undefined)
    }
  } finally {
    if (labStartedHere && !opts.keepLab && labControl) {
      await labControl.stop({ home, env }).catch((err: unknown) => opts.warn?.(`could not stop the lab started for this run: ${(err as Error).message}; run \`lastmile lab down\``))
    }
  }
}

/** `preflight: 152 stations looked at in 1.8s: 140 up to date, 10 to change, 2 not reached (tried again in their waves)` */
function preflightSummary(looked: ReadonlyMap<string, ProbeOnlyResult>, upToDate: number, ms: number): string {
  const all = [...looked.values()]
  const notReached = all.filter((p) => !p.reachable).length
  const failed = all.filter((p) => p.reachable && p.error).length
  const change = all.length - upToDate - notReached - failed
  const parts = [`${upToDate} up to date`, `${change} to change`]
  if (notReached) parts.push(`${notReached} not reached (tried again in their waves)`)
  if (failed) parts.push(`${failed} did not answer the probe (tried again in their waves)`)
  return `preflight: ${all.length} station${all.length === 1 ? '' : 's'} looked at in ${(ms / 1000).toFixed(1)}s: ${parts.join(', ')}`
}

function toPlanStation(s: Station): PlanStation {
  return { id: s.id, name: s.short || s.name, town: { code: s.town.code, slug: s.town.slug, name: s.town.name }, canary: s.canary }
}

/** Thresholds from flags over the defaults. */
export function abortConfigFrom(t: RunOptions['thresholds'] = {}): AbortConfig {
  const min = t.minExecuted
  const cfg: AbortConfig = {
    failure: { minExecuted: min ?? defaultAbortConfig.failure.minExecuted, percent: t.maxFailurePercent ?? defaultAbortConfig.failure.percent },
    unreachable: { minExecuted: min ?? defaultAbortConfig.unreachable.minExecuted, percent: t.maxUnreachablePercent ?? defaultAbortConfig.unreachable.percent },
  }
  const bad = checkAbortConfig(cfg)
  if (bad) throw new UsageError(bad, '--max-failure-percent and --max-unreachable-percent take 0..100; --min-executed a whole number.')
  return cfg
}

/** A fingerprint of the inventory a run was planned from (shapes only: refs, never secret values). */
function inventoryHash(inv: Inventory): string {
  const h = createHash('sha256')
  h.update(JSON.stringify({ district: inv.district, towns: inv.towns.map((t) => ({ ...t, file: undefined })), operators: inv.operators }))
  return h.digest('hex').slice(0, 16)
}

async function operatorSsh(inventory: Inventory, env: NodeJS.ProcessEnv, lab?: LabTarget): Promise<{ ssh: SshIdentity; warning?: string }> {
  const { operatorIdentity } = await import('../health/live.js')
  const who = await operatorIdentity(inventory, env, lab)
  return { ssh: who.ssh, ...(who.warning ? { warning: who.warning } : {}) }
}

async function findResumable(home: string, which: string): Promise<{ runId: string; plan: ResumePlan; events: number; torn: boolean }> {
  const runs = await listRuns(home)
  if (which !== 'latest') {
    if (!runs.includes(which)) throw new UsageError(`no run ${which} in ${home}/runs`, `\`lastmile status\` shows the last runs; run ids look like ${newRunId()}.`)
    const j = await readJournal(home, which)
    const plan = resumePlan(j.events, which)
    if (!isResumable(plan)) {
      throw new UsageError(`run ${which} has nothing left to resume (${plan.status}${plan.remainingWaves.length === 0 ? ', every station settled' : ''})`, 'Start a new rollout instead.')
    }
    return { runId: which, plan, events: j.events.length, torn: j.torn }
  }
  for (const id of [...runs].reverse()) {
    const j = await readJournal(home, id)
    const plan = resumePlan(j.events, id)
    if (isUnfinished(plan)) return { runId: id, plan, events: j.events.length, torn: j.torn }
  }
  throw new UsageError(`no unfinished run to resume in ${home}/runs`, 'Every run finished; start a new rollout (or name an aborted run: --resume <run-id>).')
}

function carriedOutcomes(plan: ResumePlan): Map<string, StationOutcome> {
  const out = new Map<string, StationOutcome>()
  for (const [id, a] of plan.stations) {
    if (a.action !== 'keep') continue
    out.set(id, { id, state: a.state, configId: a.configId, changed: [], ms: 0, timings: {}, attempts: 0, ...(a.state === 'failed' || a.state === 'rolled-back' ? { error: { class: 'earlier', message: 'settled before the resume (see the journal)' } } : {}) })
  }
  return out
}

async function takeLock(home: string, runId: string, stations: number, command: string, breakLock: boolean, resume: { runId: string } | undefined, reporter: ProgressReporter): Promise<HeldLock> {
  let doBreak = breakLock
  if (resume && !breakLock) {
    // The lock of the very run we resume, left by a process that died on this host: ours to take.
    const st = await lockStatus(home)
    if (st.state === 'stale' && st.holder.runId === resume.runId) {
      reporter.note(`taking over the stale lock of run ${resume.runId} (pid ${st.holder.pid} is gone)`)
      doBreak = true
    }
  }
  const lock = await acquireLock({ home, breakLock: doBreak, holder: { pid: process.pid, host: hostname(), runId, startedAt: new Date().toISOString(), stations, command } })
  if (lock.broke && breakLock) reporter.note(`broke the lock of pid ${lock.broke.pid} (run ${lock.broke.runId})`)
  return lock
}

/** Second Ctrl-C: no awaiting anything. One journal line, fsync'd; the lock file removed if ours. */
function hardStop(file: string, lock: HeldLock, now: () => number): void {
  try {
    const fd = openSync(file, 'a')
    appendFileSync(fd, JSON.stringify({ ts: new Date(now()).toISOString(), type: 'interrupted', wave: null, hard: true }) + '\n')
    fsyncSync(fd)
    closeSync(fd)
  } catch {
    // best effort: the journal without this line still resumes
  }
  try {
    const h = JSON.parse(readFileSync(lock.file, 'utf8')) as { pid?: number; runId?: string }
    if (h.pid === lock.holder.pid && h.runId === lock.holder.runId) unlinkSync(lock.file)
  } catch {
    // already gone
  }
}

function dryRunResult(a: {
  looked: ReadonlyMap<string, ProbeOnlyResult>
  selected: Station[]
  desired: ReadonlyMap<string, DesiredConfig>
  planStations: ReadonlyMap<string, PlanStation>
  lab: boolean
  cloud: { mode: string; notice: string }
}): DryRunResult {
  const stations = a.selected.map((s) => {
    const p = a.looked.get(s.id) ?? { id: s.id, reachable: false, changed: [], upToDate: false, error: { class: 'interrupted', message: 'not looked at: interrupted' }, ms: 0 }
    return {
      id: s.id,
      name: a.planStations.get(s.id)?.name ?? s.name,
      town: s.town.slug,
      configId: a.desired.get(s.id)?.configId ?? '',
      upToDate: p.upToDate,
      appliedId: p.probe?.appliedId ?? null,
      pendingId: p.probe?.pending?.id ?? null,
      changed: p.changed,
      ...(p.agentMissing ? { agentMissing: true } : {}),
      ...(p.error ? { error: p.error } : {}),
      ms: p.ms,
    }
  })
  const unreachable = stations.filter((s) => s.error?.class === 'unreachable' || s.error?.class === 'timeout').length
  const failed = stations.filter((s) => s.error && s.error.class !== 'unreachable' && s.error.class !== 'timeout').length
  return {
    command: 'push',
    dryRun: true,
    lab: a.lab,
    cloud: { mode: a.cloud.mode, notice: a.cloud.notice },
    totals: { stations: stations.length, upToDate: stations.filter((s) => s.upToDate).length, wouldChange: stations.filter((s) => !s.error && !s.upToDate).length, unreachable, failed },
    stations,
  }
}

/** Cloud step, then render the selected stations: what the preflight compares with and the waves ship. */
async function renderDesired(a: { inventory: Inventory; selected: Station[]; env: NodeJS.ProcessEnv; lab: boolean; home: string; command: 'rollout' | 'push'; stack?: string; yes: boolean; cloudStep?: CloudStep }): Promise<{
  cloud: CloudStepResult
  renderedById: Map<string, RenderedStation>
  desired: Map<string, DesiredConfig>
}> {
  const cloudStep = a.cloudStep ?? (await defaultCloudStep())
  const cloud = await cloudStep({ inventory: a.inventory, env: a.env, lab: a.lab, home: a.home, command: a.command, ...(a.stack ? { stack: a.stack } : {}), yes: a.yes })
  const key = await loadFingerprintKey(a.home, { create: true })
  const rendered = await renderAll(a.inventory, { stations: a.selected.map((s) => s.id), lab: a.lab, env: a.env, cloud: cloud.outputs, masked: true, ...(key ? { fingerprintKey: key } : {}) })
  const reloadsByPlatform = new Map<string, Record<string, string>>()
  for (const name of new Set(rendered.map((r) => r.platform))) {
    const platform = await loadPlatform(name)
    reloadsByPlatform.set(name, Object.fromEntries(platform.files.map((f) => [f.path, f.reload || '-'])))
  }
  return {
    cloud,
    renderedById: new Map(rendered.map((r) => [r.stationId, r])),
    desired: new Map(rendered.map((r) => [r.stationId, desiredFromRendered(r, reloadsByPlatform.get(r.platform))])),
  }
}

