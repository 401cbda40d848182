import { AuthError, HostKeyMismatchError, ProtocolError, UnknownHostKeyError, UnreachableError, type PinSource, type SshError, type StationEndpoint } from './errors.js'

/** What one connection attempt saw before it failed. */
export interface AttemptState {
  hostKey?: { decision: 'mismatch' | 'unknown'; found: string; expected: string[]; source?: PinSource }
  /** the TCP connection was established */
  tcpConnected: boolean
  /** key exchange finished (the host key was accepted); we were authenticating */
  handshakeDone: boolean
  readyTimeoutMs: number
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on the SSH port, or a firewall rejects it)',
  ETIMEDOUT: 'TCP connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ENETDOWN: 'network is down',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ECONNRESET: 'connection reset before the SSH session was set up',
  EPIPE: 'connection closed by the station before the SSH session was set up',
  ECONNABORTED: 'connection aborted before the SSH session was set up',
}

type Ssh2Error = Error & { code?: string | number; level?: string }

/**
 * Turns an ssh2 error raised before the session was ready into a typed error. Everything up to
 * authentication is `unreachable` (retryable) unless we know better: a host key we refused,
 * credentials the station refused, or a peer we cannot speak to.
 */
export function classifyConnectError(err: Ssh2Error, station: StationEndpoint & { user: string }, state: AttemptState, offered: string[]): SshError {
  if (state.hostKey?.decision === 'mismatch') return new HostKeyMismatchError(station, state.hostKey.expected, state.hostKey.found, state.hostKey.source)
  if (state.hostKey?.decision === 'unknown') return new UnknownHostKeyError(station, state.hostKey.found)
  if (err.level === 'client-authentication') return new AuthError(station, offered, err)
  if (err.level === 'client-timeout') {
    const detail = state.tcpConnected
      ? `no SSH ${state.handshakeDone ? 'login' : 'handshake'} within ${state.readyTimeoutMs} ms (the link is very slow or the station's sshd is stuck)`
      : `no TCP connection within ${state.readyTimeoutMs} ms`
    return new UnreachableError(station, 'READY_TIMEOUT', detail, { cause: err })
  }
  if (typeof err.code === 'string' && NETWORK_REASONS[err.code] !== undefined) {
    return new UnreachableError(station, err.code, `${NETWORK_REASONS[err.code]} (${err.code})`, { cause: err })
  }
  if (/before handshake/i.test(err.message)) {
    return new UnreachableError(station, 'CLOSED', 'the station closed the connection before the SSH handshake (sshd overloaded or restarting, or a middlebox)', { cause: err })
  }
  if (err.level === 'handshake') return new ProtocolError(station, `SSH handshake failed: ${err.message}`, '', 'The station\'s SSH server and lastmile share no key exchange, cipher or host key algorithm, or the handshake was corrupted. Check the station\'s dropbear/openssh version.')
  if (typeof err.code === 'number') {
    // An SSH DISCONNECT from the server before we were ready.
    if (state.handshakeDone) return new AuthError(station, offered, err)
    return new UnreachableError(station, 'DISCONNECT', `the station's SSH server disconnected: ${err.message}`, { cause: err })
  }
  if (err.level === 'client-socket') return new UnreachableError(station, String(err.code ?? 'SOCKET'), err.message, { cause: err })
  return new ProtocolError(station, `SSH connection failed: ${err.message}`)
}
