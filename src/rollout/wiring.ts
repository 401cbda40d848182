import type { Inventory, Station } from '../inventory/model.js'
import type { RenderedStation } from '../render/station.js'
import { manifestLines } from '../render/station.js'
import { connect, type ConnectOptions, type SshIdentity } from '../ssh/session.js'
import type { SshTarget } from '../ssh/targets.js'
import { loadAgentBundle, type AgentBundle } from '../station/agent-bundle.js'
import { StationClient } from '../station/client.js'
import { appliedRecordFrom, readApplied, writeApplied } from '../state/applied-store.js'
import { parseAgentHealth } from '../health/agent-health.js'
import { evaluate } from '../health/evaluate.js'
import type { AgentSession, AppliedRecorder, DesiredConfig, HealthAssessor, StationConnector } from './ports.js'
import { UsageError } from '../cli/errors.js'
import type { LabTarget } from '../lab/target.js'

/**
 * The real ports: SSH transport + station client for the connector, the
 * applied store for the recorder, the health module's checks for the gate.
 */

/** A rendered station as the rollout ships it. */
export function desiredFromRendered(r: RenderedStation, platformReloads?: Readonly<Record<string, string>>): DesiredConfig {
  return {
    ...(platformReloads ? { platformReloads } : {}),
    stationId: r.stationId,
    configId: r.configId,
    files: r.files.map((f) => ({ path: f.path, mode: f.mode, reload: f.reload || '-', sha256: f.sha256, size: f.size, content: f.content })),
    manifestLines: manifestLines(r),
  }
}

export interface ConnectorOptions {
  targets: ReadonlyMap<string, SshTarget>
  identity: SshIdentity
  /** TCP + handshake + login (default 20 s). */
  connectTimeoutMs?: number
  /** The same for the preflight's look (default 10 s, no retry). */
  preflightTimeoutMs?: number
  agentBundle?: AgentBundle
  /** Command timeouts for the agent verbs (StationClient defaults otherwise). */
  timeouts?: Partial<Record<'probe' | 'apply' | 'confirm' | 'rollback' | 'health' | 'install' | 'version', number>>
}

/**
 * Connects with a short retry of its own (one quick retry inside connect):
 * the rollout's real retry of an unreachable station is at the end of its wave.
 */
export async function sshConnector(opts: ConnectorOptions): Promise<StationConnector> {
  const bundle = opts.agentBundle ?? (await loadAgentBundle())
  const connectOpts: ConnectOptions = {
    identity: opts.identity,
    connectTimeoutMs: opts.connectTimeoutMs ?? 20_000,
    retry: { attempts: 2, baseMs: 500, maxMs: 2000 },
  }
  // The preflight gives up sooner and does not retry: a station it misses is tried again in its wave.
  const preflightOpts: ConnectOptions = { ...connectOpts, connectTimeoutMs: Math.min(connectOpts.connectTimeoutMs ?? 20_000, opts.preflightTimeoutMs ?? 10_000), retry: { attempts: 1, baseMs: 0, maxMs: 0 } }
  return {
    connect: async (stationId, _signal, purpose) => {
      const target = opts.targets.get(stationId)
      if (!target) throw Object.assign(new Error(`no SSH target for station ${stationId} (not in the running lab?)`), { kind: 'unreachable' })
      const session = await connect(target, purpose === 'preflight' ? preflightOpts : connectOpts)
      const client = new StationClient(session, opts.timeouts ? { timeouts: opts.timeouts } : {})
      return clientSession(client, bundle)
    },
  }
}

export function clientSession(client: StationClient, bundle: AgentBundle): AgentSession {
  return {
    probe: async (paths) => {
      const { probe } = await client.probeEnsuringAgent(paths, bundle)
      return { appliedId: probe.appliedId, pending: probe.pending, files: probe.files, lastRollback: probe.lastRollback, agent: probe.agent }
    },
    inspect: async (paths) => {
      const { probe } = await client.probeIfCurrent(paths, bundle.version)
      return probe ? { appliedId: probe.appliedId, pending: probe.pending, files: probe.files, lastRollback: probe.lastRollback, agent: probe.agent } : null
    },
    ensureAgent: async () => {
      await client.ensureAgent(bundle)
    },
    apply: async (id, within, lines, changed) => {
      const r = await client.apply(id, within, lines, changed.map((f) => ({ path: f.path, content: f.content })))
      return { noop: r.noop, changed: r.changed, pending: r.pending ? { id: r.pending.id, deadline: r.pending.deadline } : null }
    },
    confirm: async (id) => {
      const r = await client.confirm(id)
      return { already: r.already }
    },
    rollback: async (id, reason) => {
      await client.rollback(id ?? undefined, reason)
    },
    health: () => client.health(),
    close: () => client.session.close(),
  }
}

/** Writes the applied record after a confirm (only for the config we rendered in this run). */
export function appliedRecorder(home: string, rendered: ReadonlyMap<string, RenderedStation>): AppliedRecorder {
  return {
    record: async (e) => {
      const r = rendered.get(e.stationId)
      if (!r || r.configId !== e.configId) return
      if (e.unchanged) {
        // An unreadable record is replaced, as a missing one is written.
        const existing = await readApplied(home, e.stationId).catch(() => undefined)
        if (existing?.configId === r.configId) return
      }
      await writeApplied(home, appliedRecordFrom(r, e.at))
    },
  }
}

/**
 * The health gate after a confirm: the health module's checks on the agent's
 * answer; the ones that a config push can break and that are critical fail the
 * station. (Uptime, load, USB devices and the like say nothing about the push.)
 */
const gateChecks = new Set(['wan', 'tunnel', 'drift', 'pending', 'disk', 'agent'])

export function healthAssessor(stations: ReadonlyMap<string, Station>, now: () => number = Date.now, expectedAgentVersion?: string): HealthAssessor {
  return (id, raw) => {
    const station = stations.get(id)
    if (!station) return []
    const parsed = parseAgentHealth(raw)
    if (!parsed.ok) return [`unreadable health answer: ${parsed.message}`]
    const h = evaluate({ station, health: parsed.health, now: now(), ...(expectedAgentVersion ? { expectedAgentVersion } : {}) })
    return h.checks.filter((c) => c.state === 'critical' && gateChecks.has(c.id)).map((c) => `${c.id}: ${reasonText(c.reason)}`)
  }
}

function reasonText(r: unknown): string {
  if (typeof r === 'string') return r
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>
    return String(o.en ?? o.zh ?? JSON.stringify(r))
  }
  return String(r)
}

/** Station targets, from the lab or the inventory (health's resolution: one way to find a station). */
export async function resolveTargets(inventory: Inventory, stations: Station[], home: string, lab?: LabTarget): Promise<Map<string, SshTarget>> {
  const { stationTargets } = await import('../health/live.js')
  const { targets, missing } = await stationTargets(inventory, stations, home, lab)
  if (lab && missing.length === stations.length && stations.length > 0) {
    throw new UsageError(`none of the ${stations.length} selected stations is part of the running lab (started from ${lab.inventory})`, 'Start the lab from this inventory (`lastmile lab down && lastmile lab up --inventory …`), or pass the lab\'s inventory with --inventory.')
  }
  return new Map(targets.map((t) => [t.station.id, t.target]))
}
