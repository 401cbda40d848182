import { LastmileError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'

/**
 * What went wrong talking to a station, as a word the rollout can switch on:
 *
 * - `unreachable`: no SSH session could be set up (refused, timed out, no route, DNS, reset or
 *   closed before the handshake finished, ready timeout), or the link died while a command ran
 *   (then `phase` is `exec` and `inDoubt` is true: the command may or may not have run).
 * - `auth`: every key we offered was refused.
 * - `host-key-mismatch`: the station presented a different host key than the pinned one.
 * - `unknown-host-key`: nothing is pinned for the station (and trustNew was not given).
 * - `command-failed`: a command exited non-zero where the caller needed success.
 * - `timeout`: a command ran longer than its timeout (the channel was closed).
 * - `protocol`: the peer said something we cannot understand (agent printed non-JSON, channel
 *   closed without an exit status, no common algorithms).
 */
export type SshErrorKind = 'unreachable' | 'auth' | 'host-key-mismatch' | 'unknown-host-key' | 'command-failed' | 'timeout' | 'protocol'

/** The station an error is about. */
export interface StationEndpoint {
  stationId: string
  host: string
  port: number
}

/** `host:port`, with IPv6 literals in brackets as OpenSSH prints them. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * Base of every transport error. The exit code is 4 (a station failed) for when one escapes to
 * the command; multi-station callers catch these and decide the run's exit code themselves.
 */
export class SshError extends LastmileError {
  readonly kind: SshErrorKind
  readonly stationId: string
  readonly address: string
  /** true only for connection-phase failures; never for anything after authentication. */
  readonly retryable: boolean

  constructor(kind: SshErrorKind, station: StationEndpoint, message: string, opts: { hint: string; retryable?: boolean; cause?: unknown; details?: Record<string, unknown> }) {
    const address = formatAddress(station.host, station.port)
    super(message, {
      exitCode: ExitCode.PartialFailure,
      code: kind,
      hint: opts.hint,
      cause: opts.cause,
      details: { kind, stationId: station.stationId, address, ...opts.details },
    })
    this.kind = kind
    this.stationId = station.stationId
    this.address = address
    this.retryable = opts.retryable ?? false
  }
}

export class UnreachableError extends SshError {
  /** Node's error code (ECONNREFUSED, ETIMEDOUT, ...) or `READY_TIMEOUT`, `CLOSED`, `KEEPALIVE`. */
  readonly reason: string
  readonly attempts: number
  readonly phase: 'connect' | 'exec'
  /** The link died while a command ran: it may or may not have taken effect. Probe before retrying. */
  readonly inDoubt: boolean
  /** what happened, without the station prefix (e.g. `connection refused (ECONNREFUSED)`) */
  readonly detail: string
  private readonly command: string | undefined

  constructor(station: StationEndpoint, reason: string, detail: string, opts: { attempts?: number; phase?: 'connect' | 'exec'; command?: string; cause?: unknown } = {}) {
    const phase = opts.phase ?? 'connect'
    const attempts = opts.attempts ?? 1
    const where = formatAddress(station.host, station.port)
    const message =
      phase === 'connect'
        ? `station ${station.stationId} (${where}) is unreachable: ${detail}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`
        : `lost the connection to station ${station.stationId} (${where}) while running ${JSON.stringify(opts.command ?? '?')}: ${detail}`
    const hint =
      phase === 'connect'
        ? 'Check the station\'s power and WAN link (fibre/ADSL/4G) and that its SSH port is open; rural links come back, so a rollout defers unreachable stations and retries them later.'
        : 'The command may or may not have run. Probe the station when it is back (`lastmile-station probe` shows a pending apply); an unconfirmed apply rolls itself back.'
    super('unreachable', station, message, { hint, retryable: phase === 'connect', cause: opts.cause, details: { reason, attempts, phase, inDoubt: phase === 'exec' } })
    this.reason = reason
    this.attempts = attempts
    this.phase = phase
    this.inDoubt = phase === 'exec'
    this.detail = detail
    this.command = opts.command
  }

  /** The same failure, reported after `attempts` attempts. */
  withAttempts(attempts: number): UnreachableError {
    return new UnreachableError({ stationId: this.stationId, ...splitAddress(this.address) }, this.reason, this.detail, { attempts, phase: this.phase, ...(this.command === undefined ? {} : { command: this.command }), cause: this.cause })
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':')
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1')
  return { host, port: Number(address.slice(i + 1)) }
}

export class AuthError extends SshError {
  readonly user: string
  readonly offered: string[]

  constructor(station: StationEndpoint & { user: string }, offered: string[], cause?: unknown) {
    const where = formatAddress(station.host, station.port)
    const what = offered.length > 0 ? offered.join(', ') : 'no key at all'
    super('auth', station, `station ${station.stationId} (${where}) refused ${station.user}@: all authentication methods failed (offered ${what})`, {
      hint:
        'The station only accepts the operator keys listed in operators.yaml (its authorized_keys are rendered from them). ' +
        'Check that the key offered is yours (`lastmile` uses $LASTMILE_SSH_KEY, ~/.config/lastmile/operator.yaml, ~/.ssh/id_ed25519, ~/.ssh/id_rsa or ssh-agent, in that order), ' +
        'that its public key is in operators.yaml, and that the last rollout to this station included it. Authentication failures are never retried.',
      cause,
      details: { user: station.user, offered },
    })
    this.user = station.user
    this.offered = offered
  }
}

/** Where a pinned host key came from, so the hint can say what to change. */
export interface PinSource {
  kind: 'known_hosts' | 'inventory' | 'lab'
  /** the file holding the pin (known_hosts, a town file, the lab target) */
  file?: string
}

export class HostKeyMismatchError extends SshError {
  readonly expected: string[]
  readonly found: string

  constructor(station: StationEndpoint, expected: string[], found: string, source?: PinSource) {
    const where = formatAddress(station.host, station.port)
    const pinned = expected.join(' or ')
    const fix =
      source?.kind === 'inventory'
        ? `then update station.ssh.hostKey${source.file ? ` in ${source.file}` : ''} (or remove it and run \`lastmile hosts trust --station ${station.stationId}\`).`
        : `then run \`lastmile hosts trust --station ${station.stationId} --replace${source?.kind === 'lab' ? ' --lab' : ''}\`.`
    super(
      'host-key-mismatch',
      station,
      `HOST KEY MISMATCH for station ${station.stationId} (${where}): expected ${pinned}, found ${found}. Refusing to connect: this may be a different machine answering on that address.`,
      {
        hint: `Do not push to this station until you know why. If it was legitimately reinstalled or its flash replaced, verify the new fingerprint ${found} on site or by phone with the station (on OpenWrt: \`dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key\` prints it), ${fix}`,
        details: { expected, found, pinSource: source },
      },
    )
    this.expected = expected
    this.found = found
  }
}

export class UnknownHostKeyError extends SshError {
  readonly found: string

  constructor(station: StationEndpoint, found: string) {
    const where = formatAddress(station.host, station.port)
    super('unknown-host-key', station, `station ${station.stationId} (${where}) has no pinned host key; it presented ${found}. Refusing to connect to an unverified station.`, {
      hint: `Run \`lastmile hosts scan --station ${station.stationId}\`, check the fingerprint with the station (on site or by phone), then \`lastmile hosts trust --station ${station.stationId}\`.`,
      details: { found },
    })
    this.found = found
  }
}

export class CommandFailedError extends SshError {
  readonly command: string
  /** the remote command's exit status (not lastmile's exit code) */
  readonly status: number | null
  readonly stderr: string

  constructor(station: StationEndpoint, command: string, exitCode: number | null, stderr: string, hint?: string) {
    const tail = stderr.trim().split('\n').slice(-3).join(' / ').slice(0, 300)
    super('command-failed', station, `on station ${station.stationId}: ${JSON.stringify(command)} exited with status ${exitCode ?? 'none'}${tail ? `: ${tail}` : ''}`, {
      hint: hint ?? 'See the command\'s message above; nothing was retried.',
      details: { command, exitCode, stderr: stderr.slice(0, 2000) },
    })
    this.command = command
    this.status = exitCode
    this.stderr = stderr
  }
}

export class CommandTimeoutError extends SshError {
  readonly command: string
  readonly timeoutMs: number

  constructor(station: StationEndpoint, command: string, timeoutMs: number) {
    super('timeout', station, `on station ${station.stationId}: ${JSON.stringify(command)} did not finish within ${timeoutMs} ms; the channel was closed`, {
      hint: 'The station or its link is very slow, or the command hangs. The command may still be running on the station; probe it before trying again.',
      details: { command, timeoutMs },
    })
    this.command = command
    this.timeoutMs = timeoutMs
  }
}

export class ProtocolError extends SshError {
  /** The first 200 characters of what we received, for the report. */
  readonly received: string

  constructor(station: StationEndpoint, what: string, received = '', hint?: string) {
    const excerpt = received.slice(0, 200)
    super('protocol', station, `station ${station.stationId}: ${what}${excerpt ? `; received: ${JSON.stringify(excerpt)}` : ''}`, {
      hint: hint ?? 'The station answered something lastmile does not understand. Check that the station agent is the version this lastmile ships (the next rollout upgrades it) and that nothing on the station prints to stdout on login.',
      details: { received: excerpt },
    })
    this.received = excerpt
  }
}

/**
 * The operator's own key cannot be used (unreadable, encrypted without a passphrase, not a
 * private key, claims to be an operator it is not). Not about any station: exit 3.
 */
export class IdentityError extends LastmileError {
  constructor(message: string, hint: string) {
    super(message, { exitCode: ExitCode.InvalidInput, code: 'identity', hint })
  }
}

export function isSshError(err: unknown): err is SshError {
  return err instanceof SshError
}
