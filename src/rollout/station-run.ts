import { removalLine, type ReloadAction } from '../station/bundle.js'
import { classifyError } from './classify.js'
import { probeVerdict } from './verdict.js'
import type { JournalEventBody } from './journal.js'
import type { AgentProbe, AgentSession, AppliedRecorder, ConnectPurpose, DesiredConfig, HealthAssessor, Sleep, StationConnector } from './ports.js'
import type { ClassifiedError } from './ports.js'
import type { StationOutcome, StationState, StationTimings } from './types.js'

/**
 * One station, one attempt:
 *
 *   connect → probe (one exec; up to date → `unchanged`, done)
 *     → apply (changed files only, one tar stream; the agent arms its watchdog)
 *     → close → NEW connection → confirm (proves the management path survived the reload)
 *     → record (applied store) → health
 *
 * Outcomes: confirmed · unchanged · rolled-back (the agent's reload failed and it
 * put the old config back, or the link was cut and the watchdog did) · failed
 * (with the error class) · unreachable (nothing was changed; the wave retries it).
 *
 * Time is injected (`now`, `sleep`): no test waits on a real timer.
 */
export interface StationRunInput {
  stationId: string
  desired: DesiredConfig
  runId: string
  wave: number
  attempt: number
  confirmWithinS: number
  /** Seconds past the watchdog deadline to keep trying to reach a station that went silent after an apply. */
  watchdogMarginS: number
  /** Pause between reconnection attempts while waiting to confirm (ms). */
  pollIntervalMs: number
  /** Treat a pending apply of one of these ids as ours (resume after a crash between apply and confirm). */
  adoptPendingIds?: readonly string[]
  /** The journal says this id was applied in this run and not confirmed: never apply again, only settle it. */
  reconcile?: { configId: string }
  connector: StationConnector
  recorder: AppliedRecorder
  assessHealth?: HealthAssessor
  journal: (e: JournalEventBody) => Promise<void>
  now: () => number
  sleep: Sleep
  signal?: AbortSignal
}

interface Ctx {
  input: StationRunInput
  t0: number
  timings: StationTimings
  changed: string[]
}

export async function runStation(input: StationRunInput): Promise<StationOutcome> {
  const ctx: Ctx = { input, t0: input.now(), timings: {}, changed: [] }
  const { connector, desired, stationId } = input

  let session: AgentSession
  const tc = input.now()
  try {
    session = await connector.connect(stationId, input.signal)
  } catch (err) {
    ctx.timings.connect = input.now() - tc
    const c = classifyError(err)
    return c.unreachable || c.class === 'timeout' ? end(ctx, 'unreachable', null, c) : end(ctx, 'failed', null, c)
  }
  ctx.timings.connect = input.now() - tc

  let pendingToSettle: { id: string; deadlineMs: number } | undefined
  try {
    // 1. probe: one exec answers "already up to date?"
    const tp = input.now()
    let probe: AgentProbe
    try {
      probe = await probeWithAgent(session, desired.files.map((f) => f.path))
    } catch (err) {
      ctx.timings.probe = input.now() - tp
      const c = classifyError(err)
      return c.unreachable ? end(ctx, 'unreachable', null, c) : end(ctx, 'failed', null, c)
    }
    ctx.timings.probe = input.now() - tp
    const verdict = probeVerdict(desired, probe)
    const { changedFiles, removed } = verdict
    ctx.changed = [...changedFiles.map((f) => f.path), ...removed]
    await input.journal({
      type: 'probed',
      wave: input.wave,
      station: stationId,
      appliedId: probe.appliedId,
      pendingId: probe.pending?.id ?? null,
      changed: ctx.changed,
      ms: ctx.timings.probe,
    })

    const pendingId = probe.pending?.id ?? null
    const ours = (id: string | null): id is string =>
      id !== null && (id === desired.configId || id === input.reconcile?.configId || (input.adoptPendingIds ?? []).includes(id))

    if (probe.pending) {
      if (!ours(pendingId)) {
        const dl = probe.pending.deadline
        return end(ctx, 'failed', null, {
          class: 'pending',
          message: `apply ${pendingId ?? '?'} (not this run's) is pending on the station${dl ? `; its watchdog rolls it back at ${new Date(dl * 1000).toISOString()}` : ''}. Confirm or roll it back first, or wait for the watchdog.`,
        })
      }
      // Ours (a resumed run, or an earlier attempt whose answer was lost): settle it, never apply twice.
      pendingToSettle = { id: pendingId, deadlineMs: probe.pending.deadline ? probe.pending.deadline * 1000 : input.now() + input.confirmWithinS * 1000 }
    } else if (input.reconcile) {
      // The journal says we applied it; the station has nothing pending: it was confirmed or rolled back meanwhile.
      const id = input.reconcile.configId
      if (probe.appliedId === id) return await recordAndFinish(ctx, session, 'confirmed', id)
      if (probe.lastRollback?.id === id) return end(ctx, 'rolled-back', probe.appliedId, { class: 'watchdog-rollback', message: `the station rolled ${id} back (${probe.lastRollback.reason}) before it could be confirmed` })
      return end(ctx, 'failed', probe.appliedId, { class: 'lost-after-apply', message: `apply ${id} is in the journal but the station has no trace of it (applied: ${probe.appliedId ?? 'none'}); run the rollout again` })
    } else if (verdict.upToDate) {
      return await recordAndFinish(ctx, session, 'unchanged', desired.configId)
    }

    if (!pendingToSettle) {
      // 2. apply: changed files only, one stream; the agent arms its watchdog.
      const ta = input.now()
      try {
        const removalLines = removed.map((p) => removalLine({ path: p, reload: (desired.platformReloads?.[p] ?? '-') as ReloadAction }))
        const res = await session.apply(desired.configId, input.confirmWithinS, [...desired.manifestLines, ...removalLines], changedFiles)
        ctx.timings.apply = input.now() - ta
        if (res.noop) return await recordAndFinish(ctx, session, 'unchanged', desired.configId)
        ctx.changed = res.changed.length > 0 ? res.changed : ctx.changed
        const deadlineMs = res.pending?.deadline ? res.pending.deadline * 1000 : ta + input.confirmWithinS * 1000
        await journalApplied(ctx, res.pending?.deadline ?? null)
        pendingToSettle = { id: desired.configId, deadlineMs }
      } catch (err) {
        ctx.timings.apply = input.now() - ta
        const c = classifyError(err)
        if (c.rolledBack) return end(ctx, 'rolled-back', probe.appliedId, c)
        if (!c.inDoubt) return end(ctx, 'failed', probe.appliedId, c)
        // The link died mid-apply (a reload that cuts it, or the rural link): the apply may have
        // happened. Settle it like any pending apply: confirm if we can get back in, else wait
        // for the watchdog.
        await journalApplied(ctx, null)
        pendingToSettle = { id: desired.configId, deadlineMs: ta + input.confirmWithinS * 1000 }
      }
    }
  } finally {
    await closeQuietly(session)
  }
  return confirmPhase(ctx, pendingToSettle)
}

async function journalApplied(ctx: Ctx, deadline: number | null): Promise<void> {
  const { input } = ctx
  await input.journal({ type: 'applied', wave: input.wave, station: input.stationId, configId: input.desired.configId, changed: ctx.changed, deadline, ms: ctx.timings.apply ?? 0 })
}

/**
 * A new connection, then confirm. If the station cannot be reached, keep trying
 * until the watchdog deadline plus a margin: either the link comes back (confirm),
 * or the watchdog rolls back and the old config brings the link back (report
 * rolled back), or the station stays silent (failed: lost after apply).
 */
async function confirmPhase(ctx: Ctx, pending: { id: string; deadlineMs: number }): Promise<StationOutcome> {
  const { input } = ctx
  const tc = input.now()
  const giveUpAt = Math.max(pending.deadlineMs, tc) + input.watchdogMarginS * 1000
  const maxAttempts = Math.ceil((giveUpAt - tc) / Math.max(1, input.pollIntervalMs)) + 3
  let last: ClassifiedError | undefined
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) {
      const wait = Math.min(input.pollIntervalMs, Math.max(0, giveUpAt - input.now()))
      if (wait > 0) await input.sleep(wait, input.signal)
    }
    let s: AgentSession
    try {
      s = await input.connector.connect(input.stationId, input.signal)
    } catch (err) {
      last = classifyError(err)
      if (!last.unreachable && last.class !== 'timeout') {
        ctx.timings.confirm = input.now() - tc
        return end(ctx, 'failed', null, { class: last.class, message: `${last.message} (while reconnecting to confirm ${pending.id}; unconfirmed, the station's watchdog rolls it back)` })
      }
      if (input.now() >= giveUpAt) break
      continue
    }
    try {
      try {
        await s.confirm(pending.id)
        ctx.timings.confirm = input.now() - tc
        return await recordAndFinish(ctx, s, 'confirmed', pending.id)
      } catch (err) {
        const c = classifyError(err)
        if (c.class === 'not-pending' || c.class === 'id-mismatch') {
          const probe = await s.probe(input.desired.files.map((f) => f.path))
          ctx.timings.confirm = input.now() - tc
          if (probe.appliedId === pending.id && !probe.pending) return await recordAndFinish(ctx, s, 'confirmed', pending.id)
          if (probe.lastRollback?.id === pending.id) {
            return end(ctx, 'rolled-back', probe.appliedId, {
              class: 'watchdog-rollback',
              message: `no confirm reached the station in time, so it rolled ${pending.id} back (${probe.lastRollback.reason}); it is reachable again on ${probe.appliedId ?? 'its previous config'}`,
            })
          }
          return end(ctx, 'failed', probe.appliedId, c)
        }
        if (c.unreachable || c.inDoubt) {
          last = c
          if (input.now() >= giveUpAt) break
          continue
        }
        ctx.timings.confirm = input.now() - tc
        return end(ctx, 'failed', null, c)
      }
    } catch (err) {
      // The probe after a refused confirm failed.
      const c = classifyError(err)
      if (c.unreachable || c.inDoubt) {
        last = c
        if (input.now() >= giveUpAt) break
        continue
      }
      ctx.timings.confirm = input.now() - tc
      return end(ctx, 'failed', null, c)
    } finally {
      await closeQuietly(s)
    }
  }
  ctx.timings.confirm = input.now() - tc
  const secs = Math.round((input.now() - tc) / 1000)
  return end(ctx, 'failed', null, {
    class: 'lost-after-apply',
    message: `applied ${pending.id}, then could not reach the station again for ${secs} s (past its watchdog deadline${last ? `; last error: ${last.message}` : ''}). If the station is up, its watchdog has rolled the apply back; check it on site.`,
  })
}

async function recordAndFinish(ctx: Ctx, s: AgentSession, state: 'confirmed' | 'unchanged', configId: string): Promise<StationOutcome> {
  const { input } = ctx
  await input.recorder.record({
    stationId: input.stationId,
    configId,
    runId: input.runId,
    at: new Date(input.now()).toISOString(),
    files: configId === input.desired.configId ? input.desired.files.map((f) => ({ path: f.path, sha256: f.sha256 })) : [],
    ...(state === 'unchanged' ? { unchanged: true } : {}),
  })
  let healthCritical: string[] | undefined
  if (state === 'confirmed' && input.assessHealth) {
    const th = input.now()
    try {
      healthCritical = input.assessHealth(input.stationId, await s.health())
    } catch (err) {
      // A health answer lost right after a good confirm is not a config failure; the gate notes it.
      healthCritical = [`no health answer after confirm: ${classifyError(err).message}`]
    }
    ctx.timings.health = input.now() - th
  }
  const out = end(ctx, state, configId)
  return healthCritical && healthCritical.length > 0 ? { ...out, healthCritical } : out
}

async function probeWithAgent(s: AgentSession, paths: string[]): Promise<AgentProbe> {
  try {
    return await s.probe(paths)
  } catch (err) {
    if (!classifyError(err).agentMissing) throw err
    await s.ensureAgent()
    return s.probe(paths)
  }
}

async function closeQuietly(s: AgentSession): Promise<void> {
  try {
    await s.close()
  } catch {
    // closing a dead connection is not news
  }
}

function end(ctx: Ctx, state: StationState, configId: string | null, err?: { class: string; message: string }): StationOutcome {
  const { input } = ctx
  return {
    id: input.stationId,
    state,
    configId,
    changed: ctx.changed,
    ms: input.now() - ctx.t0,
    timings: ctx.timings,
    attempts: input.attempt,
    ...(err ? { error: { class: err.class, message: err.message } } : {}),
  }
}

/** Dry run (push --dry-run, status --live): connect and probe only. */
export interface ProbeOnlyResult {
  id: string
  reachable: boolean
  probe?: AgentProbe
  /** Reached, but no agent or an older one: the next push installs it (a probe never does). */
  agentMissing?: boolean
  timings?: StationTimings
  changed: string[]
  upToDate: boolean
  error?: { class: string; message: string }
  ms: number
}

/**
 * A read-only look at one station: connect, one `probe` exec, close. `desired` may
 * still be rendering (the rollout's preflight opens the connection meanwhile).
 * Installs nothing: a station without a current agent is `agentMissing`.
 */
export async function probeStation(
  stationId: string,
  desiredOrPending: DesiredConfig | undefined | PromiseLike<DesiredConfig | undefined>,
  connector: StationConnector,
  now: () => number,
  signal?: AbortSignal,
  purpose?: ConnectPurpose,
): Promise<ProbeOnlyResult> {
  const t0 = now()
  let s: AgentSession
  try {
    s = await connector.connect(stationId, signal, purpose)
  } catch (err) {
    const c = classifyError(err)
    return { id: stationId, reachable: false, changed: [], upToDate: false, error: { class: c.class, message: c.message }, ms: now() - t0, timings: { connect: now() - t0 } }
  }
  const connectMs = now() - t0
  try {
    const desired = await desiredOrPending
    const tp = now()
    const probe = await s.inspect(desired ? desired.files.map((f) => f.path) : [])
    const timings = { connect: connectMs, probe: now() - tp }
    if (!probe) {
      // No agent, or an older one: a look installs nothing; the next push installs it.
      return { id: stationId, reachable: true, agentMissing: true, changed: desired ? desired.files.map((f) => f.path) : [], upToDate: false, ms: now() - t0, timings }
    }
    const v = desired ? probeVerdict(desired, probe) : undefined
    const changed = v ? [...v.changedFiles.map((f) => f.path), ...v.removed] : []
    return { id: stationId, reachable: true, probe, changed, upToDate: v?.upToDate ?? false, ms: now() - t0, timings }
  } catch (err) {
    const c = classifyError(err)
    return { id: stationId, reachable: !c.unreachable, changed: [], upToDate: false, error: { class: c.class, message: c.message }, ms: now() - t0, timings: { connect: connectMs } }
  } finally {
    await closeQuietly(s)
  }
}
