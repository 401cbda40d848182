import { InvalidInputError } from '../cli/errors.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import type { Station } from '../inventory/model.js'
import { selectStations } from '../inventory/select.js'
import { inventoryUnderLab, readLabTarget, type LabTarget } from '../lab/target.js'
import { renderAll } from '../render/render-all.js'
import { readApplied } from '../state/applied-store.js'
import { lastmileHome } from '../state/paths.js'
import { listRuns, readJournal, stateOfEvent, type JournalEvent } from '../rollout/journal.js'
import { lockStatus } from '../rollout/lock.js'
import type { StationConnector } from '../rollout/ports.js'
import { schedule } from '../rollout/scheduler.js'
import { probeStation, type ProbeOnlyResult } from '../rollout/station-run.js'
import { desiredFromRendered, resolveTargets, sshConnector } from '../rollout/wiring.js'
import { labLeftOutMessage, narrowToLab } from '../rollout/lab-selection.js'
import type { SshIdentity } from '../ssh/session.js'
import type { SshTarget } from '../ssh/targets.js'

/**
 * `lastmile status`: for each station, the desired config (render) against
 * the last confirmed one (applied record, journals), the last run that touched
 * it, its state and since when. `--live` asks the agents (one exec each).
 */
export type StationStatusState = 'up-to-date' | 'out-of-date' | 'pending' | 'failed' | 'rolled-back' | 'unreachable' | 'never-pushed'

export const statusStates: StationStatusState[] = ['up-to-date', 'out-of-date', 'pending', 'failed', 'rolled-back', 'unreachable', 'never-pushed']

export interface StationStatus {
  id: string
  name: string
  town: { code: string; slug: string; name: string }
  state: StationStatusState
  /** what the inventory and templates render now; null when it cannot be rendered here (secrets) */
  desiredConfigId: string | null
  /** last confirmed config as this machine knows it (or as the agent says, with --live) */
  appliedConfigId: string | null
  lastRun: string | null
  /** ISO time the state was reached (journal event, applied record, or the probe) */
  since: string | null
  detail?: string
  live?: { reachable: boolean; appliedId: string | null; pendingId: string | null; changed: string[]; ms: number; error?: { class: string; message: string } }
}

export interface StatusResult {
  inventory: string
  lab: boolean
  live: boolean
  /** a rollout running now (the lock), if any */
  running: { runId: string; pid: number; host: string; since: string; stale: boolean } | null
  desiredKnown: boolean
  towns: Array<{ code: string; slug: string; name: string; stations: number } & Record<StationStatusState, number>>
  totals: Record<StationStatusState, number> & { stations: number }
  stations: StationStatus[]
  warnings: string[]
}

export interface StatusOptions {
  inventoryDir: string
  inventoryExplicit?: boolean
  towns?: string[]
  stations?: string[]
  lab?: boolean
  live?: boolean
  /** the Pulumi stack whose outputs the configs are rendered with (default: lab with --lab, else prod) */
  stack?: string
  concurrency?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** how many recent runs to read (default 50) */
  runs?: number
  now?: () => number
  connectorFactory?: (targets: ReadonlyMap<string, SshTarget>, identity: SshIdentity) => Promise<StationConnector>
}

interface LastSeen {
  runId: string
  event: JournalEvent
  /** applied in that run and not settled after */
  unsettled?: JournalEvent
}

/** Pure: the latest journal fact per station, newest run first. */
export function lastSeenByStation(runs: Array<{ runId: string; events: JournalEvent[] }>): Map<string, LastSeen> {
  const out = new Map<string, LastSeen>()
  for (const { runId, events } of runs) {
    const found = new Map<string, LastSeen>()
    for (const e of events) {
      const station = (e as { station?: unknown }).station
      if (typeof station !== 'string') continue
      if (stateOfEvent(e) && e.type !== 'skipped') found.set(station, { runId, event: e })
      else if (e.type === 'applied') found.set(station, { runId, event: e, unsettled: e })
    }
    for (const [id, seen] of found) if (!out.has(id)) out.set(id, seen)
  }
  return out
}

/** Pure: a station's state from what we know. */
export function decideStatus(a: { desired: string | null; applied: { configId: string; at: string } | undefined; seen: LastSeen | undefined; live?: ProbeOnlyResult }): Pick<StationStatus, 'state' | 'since' | 'detail' | 'appliedConfigId'> {
  const { desired, applied, seen, live } = a
  if (live) {
    const at = new Date().toISOString()
    if (!live.reachable) return { state: 'unreachable', since: at, detail: live.error?.message ?? 'unreachable', appliedConfigId: applied?.configId ?? null }
    const p = live.probe
    if (!p && live.agentMissing) return { state: 'never-pushed', since: null, detail: 'no lastmile agent (or an older one) on the station: the next push installs it', appliedConfigId: applied?.configId ?? null }
    if (!p) return { state: 'failed', since: at, detail: live.error ? `${live.error.class}: ${live.error.message}` : 'no probe answer', appliedConfigId: applied?.configId ?? null }
    if (p.pending) return { state: 'pending', since: p.pending.deadline ? null : at, detail: `apply ${p.pending.id} waits for its confirm${p.pending.deadline ? ` (watchdog at ${new Date(p.pending.deadline * 1000).toISOString()})` : ''}`, appliedConfigId: p.appliedId }
    if (p.appliedId === null) return { state: 'never-pushed', since: null, appliedConfigId: null }
    if (desired !== null && live.upToDate) return { state: 'up-to-date', since: applied?.configId === p.appliedId ? applied.at : null, appliedConfigId: p.appliedId }
    if (desired !== null && p.appliedId === desired) return { state: 'out-of-date', since: null, detail: `drift: ${live.changed.join(' ')} changed on the station since ${desired} was confirmed`, appliedConfigId: p.appliedId }
    if (p.lastRollback && p.lastRollback.id !== null && p.lastRollback.id === desired) return { state: 'rolled-back', since: p.lastRollback.at ? new Date(p.lastRollback.at * 1000).toISOString() : null, detail: p.lastRollback.reason, appliedConfigId: p.appliedId }
    return { state: 'out-of-date', since: null, detail: live.changed.length > 0 ? `would ship ${live.changed.join(' ')}` : `applied ${p.appliedId}`, appliedConfigId: p.appliedId }
  }
  const appliedId = applied?.configId ?? null
  if (seen) {
    const e = seen.event
    if (seen.unsettled) return { state: 'pending', since: e.ts, detail: `applied in run ${seen.runId}, not confirmed there (its watchdog rolls it back unless a --resume confirms it)`, appliedConfigId: appliedId }
    switch (e.type) {
      case 'failed':
        return { state: 'failed', since: e.ts, detail: `${e.errorClass}: ${e.message}`, appliedConfigId: appliedId }
      case 'rolled-back':
        return { state: 'rolled-back', since: e.ts, detail: e.reason, appliedConfigId: appliedId }
      case 'unreachable':
        return { state: 'unreachable', since: e.ts, detail: e.message, appliedConfigId: appliedId }
      case 'confirmed':
      case 'unchanged':
        return desired === null || e.configId === desired
          ? { state: 'up-to-date', since: e.ts, appliedConfigId: e.configId }
          : { state: 'out-of-date', since: e.ts, detail: `confirmed ${e.configId}; the inventory/templates now render ${desired}`, appliedConfigId: e.configId }
      default:
        break
    }
  }
  if (applied) {
    return desired === null || applied.configId === desired
      ? { state: 'up-to-date', since: applied.at, appliedConfigId: applied.configId }
      : { state: 'out-of-date', since: applied.at, detail: `confirmed ${applied.configId}; now renders ${desired}`, appliedConfigId: applied.configId }
  }
  return { state: 'never-pushed', since: null, appliedConfigId: null }
}

function zero(): Record<StationStatusState, number> {
  return { 'up-to-date': 0, 'out-of-date': 0, pending: 0, failed: 0, 'rolled-back': 0, unreachable: 0, 'never-pushed': 0 }
}

export async function stationStatus(opts: StatusOptions): Promise<StatusResult> {
  const env = opts.env ?? process.env
  const home = lastmileHome(env, opts.cwd)
  const warnings: string[] = []
  const lab: LabTarget | undefined = opts.lab ? await readLabTarget(home) : undefined
  const dir = inventoryUnderLab(lab, opts.inventoryDir, opts.inventoryExplicit)
  const { inventory } = await loadInventoryOrThrow(dir)
  const selected = selectStations(inventory, { towns: opts.towns, stations: opts.stations })

  // Desired: render (secret values are needed for the config id; without them, say so).
  const desired = new Map<string, string>()
  let rendered: Awaited<ReturnType<typeof renderAll>> = []
  try {
    // With the cloud values push and rollout render with (as plan does): without them a station
    // whose config carries a cloud value (the hub's key and endpoint) would show out-of-date
    // right after it confirmed.
    const { stationCloudOutputs } = await import('../cloud/station-outputs.js')
    const cloud = await stationCloudOutputs({ inventory, stack: opts.stack ?? (opts.lab ? 'lab' : 'prod'), lab: Boolean(opts.lab), env })
    if (cloud.notice) warnings.push(cloud.notice)
    rendered = await renderAll(inventory, { stations: selected.map((s) => s.id), lab: Boolean(opts.lab), env, cloud: cloud.outputs })
    for (const r of rendered) desired.set(r.stationId, r.configId)
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err
    warnings.push(`cannot render here (${err.message}); desired config ids are unknown, so "up to date" means "last push confirmed"`)
  }

  const runIds = (await listRuns(home)).reverse().slice(0, opts.runs ?? 50)
  const runs = await Promise.all(runIds.map(async (runId) => ({ runId, events: (await readJournal(home, runId)).events })))
  const seen = lastSeenByStation(runs)

  let live: Map<string, ProbeOnlyResult> | undefined
  if (opts.live) {
    const { operatorIdentity } = await import('../health/live.js')
    const who = await operatorIdentity(inventory, env, lab)
    if (who.warning) warnings.push(who.warning)
    const targets = await resolveTargets(inventory, selected, home, lab)
    const connector = opts.connectorFactory ? await opts.connectorFactory(targets, who.ssh) : await sshConnector({ targets, identity: who.ssh })
    const byId = new Map(rendered.map((r) => [r.stationId, desiredFromRendered(r)]))
    const now = opts.now ?? Date.now
    const limit = opts.concurrency ?? inventory.district.rollout.maxConcurrent
    // A lab of fewer stations (`lab up --stations N`) cannot be asked about the others: they are
    // not probed (not shown unreachable); their state comes from the journals.
    const { selected: probed, leftOut } = lab ? narrowToLab(selected, new Set(targets.keys()), []) : { selected, leftOut: 0 }
    if (leftOut > 0) {
      warnings.push(labLeftOutMessage(probed.length, leftOut, (one) => `${one ? 'was' : 'were'} not probed (their state is from the journals)`))
    }
    const r = await schedule(
      probed.map((s) => ({ id: s.id, town: s.town.code })),
      { limits: { maxConcurrent: limit, perTownConcurrent: Math.min(limit, Math.max(inventory.district.rollout.perTownConcurrent, 8)) }, run: (i) => probeStation(i.id, byId.get(i.id), connector, now) },
    )
    live = r.results
  }

  const stations: StationStatus[] = []
  for (const s of selected) {
    const rec = await readApplied(home, s.id).catch(() => undefined)
    const d = desired.get(s.id) ?? null
    const sn = seen.get(s.id)
    const l = live?.get(s.id)
    const decided = decideStatus({ desired: d, applied: rec ? { configId: rec.configId, at: rec.appliedAt } : undefined, seen: sn, ...(l ? { live: l } : {}) })
    stations.push({
      id: s.id,
      name: s.name,
      town: { code: s.town.code, slug: s.town.slug, name: s.town.name },
      desiredConfigId: d,
      lastRun: sn?.runId ?? null,
      ...decided,
      ...(l ? { live: { reachable: l.reachable, appliedId: l.probe?.appliedId ?? null, pendingId: l.probe?.pending?.id ?? null, changed: l.changed, ms: l.ms, ...(l.error ? { error: l.error } : {}) } } : {}),
    })
  }

  const towns = summariseTowns(selected, stations)
  const totals = { ...zero(), stations: stations.length }
  for (const s of stations) totals[s.state]++
  const lock = await lockStatus(home)
  const running = lock.state === 'held' || lock.state === 'stale' ? { runId: lock.holder.runId, pid: lock.holder.pid, host: lock.holder.host, since: lock.holder.startedAt, stale: lock.state === 'stale' } : null
  return { inventory: dir, lab: Boolean(opts.lab), live: Boolean(opts.live), running, desiredKnown: desired.size > 0, towns, totals, stations, warnings }
}

function summariseTowns(selected: Station[], stations: StationStatus[]): StatusResult['towns'] {
  const out: StatusResult['towns'] = []
  const seenTowns = new Map<string, Station['town']>()
  for (const s of selected) seenTowns.set(s.town.code, s.town)
  for (const [code, t] of seenTowns) {
    const mine = stations.filter((s) => s.town.code === code)
    const row = { code, slug: t.slug, name: t.name, stations: mine.length, ...zero() }
    for (const s of mine) row[s.state]++
    out.push(row)
  }
  return out
}
