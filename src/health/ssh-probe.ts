import type { Station } from '../inventory/model.js'
import { connect, type ConnectOptions, type SshSession } from '../ssh/session.js'
import { AuthError, CommandTimeoutError, HostKeyMismatchError, ProtocolError, UnknownHostKeyError, UnreachableError, isSshError } from '../ssh/errors.js'
import { StationClient } from '../station/client.js'
import { AgentError, AgentMissingError } from '../station/errors.js'
import type { SshTarget } from '../ssh/targets.js'
import { parseAgentHealth } from './agent-health.js'
import type { ProbeError, StationProbe } from './types.js'

export interface SshProbeOptions {
  connect: ConnectOptions
  /** limit for the one exec (default 30 s: busybox on a slow CPU over 4G) */
  execTimeoutMs?: number
  /** wall clock, epoch ms */
  now?: () => number
  /** tests inject a fake transport */
  connectFn?: (target: SshTarget, opts: ConnectOptions) => Promise<SshSession>
}

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000

/**
 * Probes one station over SSH: connect (handshake timed by the transport),
 * one `lastmile-station health` through the station client (round trip
 * timed), close. Every failure becomes a ProbeError with the transport's kind.
 */
export function sshProbe(opts: SshProbeOptions): (station: Station, target: SshTarget) => Promise<StationProbe> {
  const now = opts.now ?? Date.now
  const doConnect = opts.connectFn ?? connect
  return async (station, target) => {
    let session: SshSession | undefined
    let client: StationClient | undefined
    try {
      session = await doConnect(target, opts.connect)
      client = new StationClient(session, { timeouts: { health: opts.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS } })
      const reply = await client.health()
      const handshakeMs = Math.round(session.handshakeMs)
      const rttMs = Math.round(client.calls.at(-1)?.ms ?? 0)
      const base = { stationId: station.id, at: now(), handshakeMs, rttMs }
      const parsed = parseAgentHealth(reply)
      if (!parsed.ok) return { ...base, error: { kind: 'protocol', message: parsed.message } }
      return { ...base, health: parsed.health }
    } catch (err) {
      const rtt = client?.calls.at(-1)?.ms
      return {
        stationId: station.id,
        at: now(),
        ...(session ? { handshakeMs: Math.round(session.handshakeMs) } : {}),
        ...(rtt === undefined ? {} : { rttMs: Math.round(rtt) }),
        error: toProbeError(err),
      }
    } finally {
      await session?.close().catch(() => undefined)
    }
  }
}

/** The transport's error as a kind and a short message (the reason adds what to do). */
export function toProbeError(err: unknown): ProbeError {
  if (err instanceof UnreachableError) return { kind: 'unreachable', message: err.attempts > 1 ? `${err.detail}, ${err.attempts} attempts` : err.detail }
  if (err instanceof HostKeyMismatchError) return { kind: err.kind, message: `expected ${err.expected.join(' or ')}, found ${err.found}` }
  if (err instanceof UnknownHostKeyError) return { kind: err.kind, message: `it presented ${err.found}` }
  if (err instanceof AuthError) return { kind: err.kind, message: `offered ${err.offered.join(', ') || 'no key'}` }
  if (err instanceof AgentMissingError) return { kind: 'agent-missing', message: 'lastmile-station not found on the station' }
  if (err instanceof AgentError) return { kind: 'agent-error', message: `${err.agentCode}: ${err.reply.error.message}` }
  if (err instanceof ProtocolError) return { kind: 'protocol', message: err.message }
  if (err instanceof CommandTimeoutError) return { kind: err.kind, message: `no answer within ${Math.round(err.timeoutMs / 1000)} s` }
  if (isSshError(err)) return { kind: err.kind, message: err.message }
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err) }
}
