import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Inventory, Station } from '../inventory/model.js'
import { labTargetPath, type LabTarget } from '../lab/target.js'
import { labIdentity, resolveIdentity } from '../ssh/credentials.js'
import { readKnownHosts } from '../ssh/known-hosts.js'
import type { SshIdentity } from '../ssh/session.js'
import { agentMetadata, packagedStationDir } from '../station/agent-bundle.js'
import { inventoryKnownHostsPath, inventoryTarget, labKnownHostsPath, labStationTarget, type SshTarget } from '../ssh/targets.js'
import { collectHealth } from './collect.js'
import type { Identity } from './scope.js'
import { sshProbe } from './ssh-probe.js'
import type { StationProbe } from './types.js'

export interface OperatorIdentity {
  identity: Identity
  ssh: SshIdentity
  warning?: string
}

/**
 * Who is running health, from the SSH key (the basis of scoping). In the lab
 * the lab's own operator key is a district key, unless LASTMILE_SSH_KEY points
 * at an operator's key (the lab accepts extra keys) or LASTMILE_OPERATOR names
 * the operator being practised (training town admins on the lab).
 */
export async function operatorIdentity(inventory: Inventory, env: NodeJS.ProcessEnv, lab?: LabTarget): Promise<OperatorIdentity> {
  if (!lab || env.LASTMILE_SSH_KEY) {
    const r = await resolveIdentity(env, inventory)
    return { identity: { ...(r.operator ? { operator: r.operator.id } : {}), towns: r.towns }, ssh: r.identity, ...(r.warning ? { warning: r.warning } : {}) }
  }
  const r = await labIdentity(lab, inventory)
  if (r.operator) return { identity: { operator: r.operator.id, towns: r.towns }, ssh: r.identity }
  const practised = env.LASTMILE_OPERATOR ? inventory.operators.find((o) => o.id === env.LASTMILE_OPERATOR) : undefined
  if (env.LASTMILE_OPERATOR && !practised) {
    return { identity: { operator: env.LASTMILE_OPERATOR, towns: [] }, ssh: r.identity, warning: `LASTMILE_OPERATOR=${env.LASTMILE_OPERATOR} is not an operator in operators.yaml` }
  }
  if (practised) return { identity: { operator: practised.id, towns: practised.role === 'district' ? 'all' : [...practised.towns] }, ssh: r.identity }
  return { identity: { towns: 'all' }, ssh: r.identity }
}

/** SSH targets for the stations: the management address and pins, or the lab's endpoints. */
export async function stationTargets(inventory: Inventory, stations: Station[], home: string, lab?: LabTarget): Promise<{ targets: Array<{ station: Station; target: SshTarget }>; missing: Station[] }> {
  if (!lab) {
    const file = inventoryKnownHostsPath(inventory.dir)
    const kh = await readKnownHosts(file)
    return { targets: stations.map((s) => ({ station: s, target: inventoryTarget(s, kh, file) })), missing: [] }
  }
  const file = labKnownHostsPath(home)
  const kh = await readKnownHosts(file)
  const byId = new Map(lab.stations.map((s) => [s.id, s]))
  const targets: Array<{ station: Station; target: SshTarget }> = []
  const missing: Station[] = []
  for (const s of stations) {
    const ls = byId.get(s.id)
    if (!ls) missing.push(s)
    else targets.push({ station: s, target: labStationTarget(ls, kh, file, labTargetPath(home)) })
  }
  return { targets, missing }
}

export interface LiveProbeOptions {
  inventory: Inventory
  home: string
  ssh: SshIdentity
  lab?: LabTarget
  concurrency?: number
  connectTimeoutMs?: number
  execTimeoutMs?: number
  now?: () => number
}

/** The real collection: one SSH session and one exec per station, bounded concurrency. */
export function liveProbe(opts: LiveProbeOptions): (stations: Station[]) => Promise<StationProbe[]> {
  const now = opts.now ?? Date.now
  return async (stations) => {
    const { targets, missing } = await stationTargets(opts.inventory, stations, opts.home, opts.lab)
    const probeOne = sshProbe({
      connect: {
        identity: opts.ssh,
        connectTimeoutMs: opts.connectTimeoutMs ?? 20_000,
        // One quick retry: health runs every few minutes, the next run is the real retry.
        retry: { attempts: 2, baseMs: 500, maxMs: 2000 },
      },
      ...(opts.execTimeoutMs ? { execTimeoutMs: opts.execTimeoutMs } : {}),
      now,
    })
    const probes = await collectHealth({ targets, probeOne, concurrency: opts.concurrency ?? opts.inventory.district.rollout.maxConcurrent, now })
    for (const s of missing) probes.push({ stationId: s.id, at: now(), error: { kind: 'unreachable', message: 'not part of the running lab (lab up with this inventory)' } })
    return probes
  }
}

let cachedAgentVersion: string | undefined

/** The agent version this lastmile ships (AGENT_VERSION in station/lastmile-station). */
export async function shippedAgentVersion(): Promise<string | undefined> {
  if (cachedAgentVersion) return cachedAgentVersion
  try {
    cachedAgentVersion = agentMetadata(await readFile(path.join(packagedStationDir(), 'lastmile-station'), 'utf8')).version
  } catch {
    cachedAgentVersion = undefined
  }
  return cachedAgentVersion
}
