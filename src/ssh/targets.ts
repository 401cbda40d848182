import path from 'node:path'
import type { Station } from '../inventory/model.js'
import { labDir, type LabStation, type LabTarget } from '../lab/target.js'
import type { PinSource } from './errors.js'
import { findStationEntries, type KnownHosts } from './known-hosts.js'

/** Where to reach one station and what host key it must present. */
export interface SshTarget {
  stationId: string
  host: string
  port: number
  user: string
  /** Pinned `SHA256:…` fingerprint(s); the station must present one of them. */
  expectedHostKey?: string | string[]
  /** Where the pin came from (for the mismatch hint). */
  pinSource?: PinSource
  /**
   * Only for the station agent's commands: variables set before `lastmile-station` runs and
   * directories put first in PATH. Real stations need neither; the lab and tests use them to
   * point the agent at a station root (LASTMILE_ROOT) on the test machine.
   */
  agentEnv?: Record<string, string>
  agentPath?: string[]
}

/** The pin file of an inventory: `<inventory>/known_hosts`. */
export function inventoryKnownHostsPath(inventoryDir: string): string {
  return path.join(inventoryDir, 'known_hosts')
}

/** The lab's own pin file (the lab never writes into the inventory). */
export function labKnownHostsPath(home: string): string {
  return path.join(labDir(home), 'known_hosts')
}

export function expectedFingerprints(t: Pick<SshTarget, 'expectedHostKey'>): string[] {
  if (t.expectedHostKey === undefined) return []
  return Array.isArray(t.expectedHostKey) ? t.expectedHostKey : [t.expectedHostKey]
}

/**
 * The pin of a station. A line in known_hosts wins over the inventory's `station.ssh.hostKey`
 * (or the lab's recorded key): known_hosts is what `hosts trust --replace` updates after a
 * verified reinstall, so it is the most recent decision an admin made.
 */
export function resolvePin(
  station: { stationId: string; host: string; port: number },
  knownHosts: KnownHosts,
  knownHostsFile: string,
  fallback?: { fingerprint: string; source: PinSource },
): { fingerprints: string[]; source: PinSource } | undefined {
  const entries = findStationEntries(knownHosts, station)
  if (entries.length > 0) return { fingerprints: [...new Set(entries.map((e) => e.fingerprint))], source: { kind: 'known_hosts', file: knownHostsFile } }
  return fallback ? { fingerprints: [fallback.fingerprint], source: fallback.source } : undefined
}

/** Targets for inventory stations: management address, ssh user/port, pinned key. */
export function inventoryTarget(station: Station, knownHosts: KnownHosts, knownHostsFile: string): SshTarget {
  const base = { stationId: station.id, host: station.management.address, port: station.ssh.port }
  const pin = resolvePin(base, knownHosts, knownHostsFile, station.ssh.hostKey ? { fingerprint: station.ssh.hostKey, source: { kind: 'inventory', file: station.source.file } } : undefined)
  return { ...base, user: station.ssh.user, ...(pin ? { expectedHostKey: pin.fingerprints, pinSource: pin.source } : {}) }
}

/** Targets for lab stations: the lab records each station's address, user and host key. */
export function labStationTarget(station: LabStation, knownHosts: KnownHosts, knownHostsFile: string, labTargetFile?: string): SshTarget {
  const base = { stationId: station.id, host: station.host, port: station.port }
  const pin = resolvePin(base, knownHosts, knownHostsFile, station.hostKey ? { fingerprint: station.hostKey, source: { kind: 'lab', ...(labTargetFile ? { file: labTargetFile } : {}) } } : undefined)
  return { ...base, user: station.user, ...(pin ? { expectedHostKey: pin.fingerprints, pinSource: pin.source } : {}) }
}

export function labTargets(lab: LabTarget, knownHosts: KnownHosts, knownHostsFile: string, labTargetFile?: string): SshTarget[] {
  return lab.stations.map((s) => labStationTarget(s, knownHosts, knownHostsFile, labTargetFile))
}
