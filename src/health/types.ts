import type { Bilingual } from '../i18n/lang.js'

/** Nagios-style states; the numbers are the Prometheus encoding (docs/health.md). */
export type CheckState = 'ok' | 'warning' | 'critical' | 'unknown'

export const stateCode: Record<CheckState, 0 | 1 | 2 | 3> = { ok: 0, warning: 1, critical: 2, unknown: 3 }

/** Worst first when sorting: critical, warning, unknown, ok. "Unknown" is never better than ok. */
export const stateSeverity: Record<CheckState, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 }

export function worst(states: Iterable<CheckState>): CheckState {
  let w: CheckState = 'ok'
  for (const s of states) if (stateSeverity[s] > stateSeverity[w]) w = s
  return w
}

export type CheckId =
  | 'reachable'
  | 'handshake'
  | 'rtt'
  | 'uptime'
  | 'load'
  | 'memory'
  | 'disk'
  | 'wan'
  | 'tunnel'
  | 'wifi'
  | 'usb'
  | 'drift'
  | 'agent'
  | 'pending'
  | 'stale'

export interface Check {
  id: CheckId
  state: CheckState
  /** What is wrong (or right) and what to do, in both languages. */
  reason: Bilingual
  /** The measured value the state was decided on (ms, ratio, link, paths, missing devices). */
  value?: number | string | string[]
}

/** The agent's `health` answer (station/README.md). Every field may be null on odd hardware. */
export interface AgentHealth {
  agent: string | null
  protocol?: number | null
  /** The station's clock (epoch seconds); handshake ages are measured against it. */
  time?: number | null
  appliedId: string | null
  pending: { id: string | null; deadline: number | null } | null
  uptime: number | null
  load: [number, number, number] | null
  memory: { totalKb: number | null; availableKb: number | null }
  disk: { totalKb: number | null; availableKb: number | null }
  interfaces: Record<string, { up: boolean | null; rxBytes: number | null; txBytes: number | null }>
  wan: { interface: string | null; up: boolean | null; link: 'fibre' | 'adsl' | '4g' | 'unknown' }
  tunnel: { up: boolean | null; latestHandshake: number | null }
  wifi: Array<{ iface: string; up: boolean | null; ssid: string | null }>
  usb: Array<{ vendor: string; product: string }>
  drift: Array<{ path: string; expected: string; found: string | null }>
}

/**
 * Why a station gave no health answer. `kind` follows the SSH transport's typed
 * errors; anything else is reported as it is.
 */
export type ProbeErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'auth'
  | 'host-key-mismatch'
  | 'unknown-host-key'
  | 'command-failed'
  | 'protocol'
  | 'agent-missing'
  | 'agent-error'
  | 'bad-output'
  | (string & {})

export interface ProbeError {
  kind: ProbeErrorKind
  message: string
}

/** One station's raw probe: what came back over SSH, with the timings. */
export interface StationProbe {
  stationId: string
  /** epoch ms when the probe finished */
  at: number
  health?: AgentHealth
  error?: ProbeError
  handshakeMs?: number
  rttMs?: number
}

export interface StationHealth {
  id: string
  name: string
  short: string
  town: { code: string; slug: string; name: string }
  state: CheckState
  checks: Check[]
  /** true when the agent answered in this run */
  answered: boolean
  /** ISO time of this evaluation */
  at: string
  handshakeMs?: number
  rttMs?: number
  /** ISO time of the last answer known (this run or history) */
  lastAnswerAt?: string
  /** no answer for longer than the stale limit */
  stale?: boolean
  /** town code of the town alert this station is folded into */
  behindTownAlert?: string
}

export interface TownAlert {
  town: { code: string; slug: string; name: string }
  state: 'critical'
  unreachable: number
  total: number
  /** ISO time from which the town counts as cut off (history), or this run */
  since: string
  stations: string[]
  reason: Bilingual
}

/** Every station unreachable in two or more towns: the problem is on our side. */
export interface DistrictAlert {
  state: 'critical'
  unreachable: number
  total: number
  since: string
  reason: Bilingual
}
