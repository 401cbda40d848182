import type { Inventory, Station } from '../inventory/model.js'
import type { LabTarget } from '../lab/target.js'
import type { AppliedStateSource } from '../plan/applied-source.js'
import type { PlanSourceContext } from '../plan/plan.js'
import { readApplied, type AppliedRecord } from '../state/applied-store.js'
import type { SshIdentity } from '../ssh/session.js'
import type { SshTarget } from '../ssh/targets.js'
import { labLeftOutMessage, narrowToLab } from './lab-selection.js'
import type { AgentProbe, StationConnector } from './ports.js'
import { schedule } from './scheduler.js'
import { probeStation } from './station-run.js'
import { resolveTargets, sshConnector } from './wiring.js'

/**
 * `plan --live`: the "before" side of a plan from the stations themselves
 * (one probe exec each, all probed up front, concurrently), not from this
 * machine's records. When the agent confirms what the local record says
 * (same config id, same file hashes), the local record is used, with its
 * masked contents: full diffs. Otherwise the plan is built from the agent's
 * hashes alone: which files change is exact; their old contents are unknown
 * (the diff shows the whole new file). An unreachable station falls back to
 * the local record, and `notes` says which. Under --lab, a station the lab
 * does not run (`lab up --stations N`) is not probed: its local record is
 * used, and a warning says how many.
 */
export interface LiveAppliedStateSource extends AppliedStateSource {
  /** per station: how its applied side was found */
  readonly notes: Map<string, LiveNote>
}

export type LiveNote = 'agent-confirms-record' | 'agent-hashes-only' | 'unreachable-local-record' | 'not-in-lab-local-record' | 'never-applied'

export interface LiveSourceOptions {
  home: string
  stationIds: readonly string[]
  /** stations not probed (a lab that does not run them): their local record is used */
  notProbed?: readonly string[]
  connector: StationConnector
  /** towns of the stations, for the per-town limit */
  townOf?: (id: string) => string
  concurrency?: number
  now?: () => number
}

/** Pure: the applied record the plan should compare with, from a probe and the local record. */
export function recordFromProbe(stationId: string, probe: AgentProbe, local: AppliedRecord | undefined): { record: AppliedRecord | undefined; how: 'agent-confirms-record' | 'agent-hashes-only' | 'never-applied' } {
  if (!probe.appliedId) return { record: undefined, how: 'never-applied' }
  if (local && local.configId === probe.appliedId && local.files.every((f) => probe.files[f.path] === f.sha256)) return { record: local, how: 'agent-confirms-record' }
  const localModes = new Map((local?.files ?? []).map((f) => [f.path, f.mode]))
  const files = Object.entries(probe.files)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([path, sha256]) => ({ path, sha256, mode: localModes.get(path) ?? '0600', size: 0 }))
  return { record: { stationId, configId: probe.appliedId, appliedAt: '', files, maskedFiles: {}, secretFingerprints: {} }, how: 'agent-hashes-only' }
}

export async function createLiveAppliedSource(opts: LiveSourceOptions): Promise<LiveAppliedStateSource> {
  const now = opts.now ?? Date.now
  const limit = opts.concurrency ?? 20
  const r = await schedule(
    opts.stationIds.map((id) => ({ id, town: opts.townOf?.(id) ?? 'all' })),
    { limits: { maxConcurrent: limit, perTownConcurrent: limit }, run: (i) => probeStation(i.id, undefined, opts.connector, now) },
  )
  const records = new Map<string, AppliedRecord | undefined>()
  const notes: LiveAppliedStateSource['notes'] = new Map()
  const notProbed = new Set(opts.notProbed ?? [])
  for (const id of [...opts.stationIds, ...notProbed]) {
    const local = await readApplied(opts.home, id).catch(() => undefined)
    if (notProbed.has(id)) {
      records.set(id, local)
      notes.set(id, 'not-in-lab-local-record')
      continue
    }
    const p = r.results.get(id)
    if (p?.agentMissing) {
      // Reached, but no (current) agent: nothing lastmile applied can be proven there.
      records.set(id, undefined)
      notes.set(id, 'never-applied')
      continue
    }
    if (!p?.probe) {
      records.set(id, local)
      notes.set(id, 'unreachable-local-record')
      continue
    }
    const { record, how } = recordFromProbe(id, p.probe, local)
    records.set(id, record)
    notes.set(id, how)
  }
  const unreachable = [...notes.values()].filter((n) => n === 'unreachable-local-record').length
  const n = opts.stationIds.length
  const others = notProbed.size
  return {
    name: `live probe of ${n} station${n === 1 ? '' : 's'}${unreachable ? ` (${unreachable} unreachable: their local record is used)` : ''}${others ? `; local record for the ${others} the lab does not run` : ''}`,
    warnings: others ? [labLeftOutMessage(n, others, (one) => `${one ? 'was' : 'were'} not probed (the plan compares ${one ? 'it' : 'them'} with this machine's record)`)] : [],
    notes,
    get: async (id) => records.get(id),
  }
}

/** The same, wired to the SSH transport (what `plan --live` calls). */
export async function liveAppliedSourceFor(a: {
  inventory: Inventory
  stations: Station[]
  /** the stations named with --station: under --lab, one the lab does not run is refused */
  named?: readonly string[]
  home: string
  env: NodeJS.ProcessEnv
  lab?: LabTarget
  connectorFactory?: (t: ReadonlyMap<string, SshTarget>, i: SshIdentity) => Promise<StationConnector>
}): Promise<LiveAppliedStateSource> {
  const { operatorIdentity } = await import('../health/live.js')
  const who = await operatorIdentity(a.inventory, a.env, a.lab)
  const targets = await resolveTargets(a.inventory, a.stations, a.home, a.lab)
  // A lab of fewer stations cannot be asked about the others; probing them would only show them unreachable.
  const { selected: probed } = a.lab ? narrowToLab(a.stations, new Set(targets.keys()), a.named ?? []) : { selected: a.stations }
  const probedIds = new Set(probed.map((s) => s.id))
  const connector = a.connectorFactory ? await a.connectorFactory(targets, who.ssh) : await sshConnector({ targets, identity: who.ssh })
  const towns = new Map(a.stations.map((s) => [s.id, s.town.code]))
  return createLiveAppliedSource({
    home: a.home,
    stationIds: probed.map((s) => s.id),
    notProbed: a.stations.filter((s) => !probedIds.has(s.id)).map((s) => s.id),
    connector,
    townOf: (id) => towns.get(id) ?? '?',
    concurrency: a.inventory.district.rollout.maxConcurrent,
  })
}

/**
 * `plan --live`: pass as `planStations({ source: liveSourceForPlan })`. It probes the stations
 * the plan rendered, with the inventory and lab target the plan already loaded (it used to load
 * and validate the inventory a second time, and could pick a different one than the plan if
 * the lab changed in between). Under --lab with no lab running, it fails as push --lab does.
 */
export async function liveSourceForPlan(ctx: PlanSourceContext): Promise<LiveAppliedStateSource> {
  const { readLabTarget } = await import('../lab/target.js')
  const lab = ctx.underLab ? (ctx.lab ?? (await readLabTarget(ctx.home))) : undefined
  const byId = new Map(ctx.inventory.stations.map((s) => [s.id, s]))
  const stations = ctx.stationIds.map((id) => byId.get(id)).filter((s): s is Station => s !== undefined)
  return liveAppliedSourceFor({ inventory: ctx.inventory, stations, named: ctx.named, home: ctx.home, env: ctx.env, ...(lab ? { lab } : {}) })
}
