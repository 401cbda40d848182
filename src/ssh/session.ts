import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import ssh2, { type AgentAuthMethod, type ClientChannel, type ConnectConfig, type NoAuthMethod, type PublicKeyAuthMethod } from 'ssh2'
import { classifyConnectError, type AttemptState } from './classify.js'
import { LastmileError } from '../cli/errors.js'
import { CommandTimeoutError, IdentityError, ProtocolError, SshError, UnreachableError } from './errors.js'
import { fingerprintOfBlob, keyTypeOfBlob } from './fingerprint.js'
import { buildCommand } from './quote.js'
import { signOnFirstRequest } from './sign-first.js'
import { defaultRetryPolicy, withRetries, type RetryPolicy } from './retry.js'
import { expectedFingerprints, type SshTarget } from './targets.js'

// ssh2 is CommonJS: Node's ESM loader only offers its default export.
const { Client } = ssh2
type Client = InstanceType<typeof ssh2.Client>

export type { SshTarget } from './targets.js'

/** The operator's credentials: a private key, an ssh-agent socket, or both (key tried first). */
export interface SshIdentity {
  privateKey?: Buffer | string
  passphrase?: Buffer | string
  /** ssh-agent socket path (SSH_AUTH_SOCK) */
  agent?: string
  /** What we offer, for error messages: e.g. `~/.ssh/id_ed25519 (SHA256:…)`, `ssh-agent (2 keys)`. */
  offered?: string[]
}

export interface HostKeyInfo {
  type: string
  fingerprint: string
  /** base64 of the key blob: what a known_hosts line carries */
  base64: string
}

export interface ConnectOptions {
  identity: SshIdentity
  /** TCP connect + SSH handshake + login must finish within this (ssh2 readyTimeout). Default 20 s. */
  connectTimeoutMs?: number
  /** SSH-level keepalive; after keepaliveCountMax unanswered ones the link counts as lost. Default 15 s × 4. */
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
  /** Accept and report a key when nothing is pinned for the station (trust on first use). */
  trustNew?: boolean
  onNewHostKey?: (fingerprint: string, key: HostKeyInfo) => void
  /** Retries for connection-phase failures only. Default 3 attempts, 1 s base, 15 s cap. */
  retry?: RetryPolicy
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Monotonic clock in ms, for the timings. */
  now?: () => number
  /** Cap on captured stdout and stderr per command (each). Default 16 MiB. */
  maxOutputBytes?: number
  /** Called once per failed attempt that will be retried. */
  onRetry?: (err: SshError, attempt: number, delayMs: number) => void
}

export interface ExecOptions {
  /** Sent to the command's stdin, then EOF. Streams are piped with backpressure. */
  stdin?: Buffer | string | Readable
  /** Close the channel and throw CommandTimeoutError after this long. Default: none. */
  timeoutMs?: number
  onStdout?: (chunk: Buffer) => void
  onStderr?: (chunk: Buffer) => void
}

export interface ExecResult {
  /** null when the command was killed by a signal */
  exitCode: number | null
  /** e.g. `SIGKILL`, or null */
  signal: string | null
  stdout: string
  stderr: string
  /** wall time from sending the request to the channel closing */
  ms: number
  /** the command line as sent (arguments quoted) */
  command: string
  /** stdout or stderr went over maxOutputBytes and was cut */
  truncated: boolean
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000
export const DEFAULT_KEEPALIVE_COUNT_MAX = 4
const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024
const STDIN_CHUNK = 64 * 1024

/**
 * One authenticated SSH connection to one station. Commands run as separate exec channels
 * over it (multiplexed: no new handshake per command). Never retries a command.
 */
export class SshSession {
  readonly target: SshTarget
  /** TCP connect until SSH login done, of the attempt that succeeded */
  readonly handshakeMs: number
  /** TCP connect alone (≈ one round trip) */
  readonly tcpConnectMs: number
  readonly hostKey: HostKeyInfo
  /** the host key was not pinned and was accepted because trustNew was set */
  readonly newHostKey: boolean
  /** connection attempts it took (1 = first try) */
  readonly attempts: number

  private readonly client: Client
  private readonly now: () => number
  private readonly maxOutputBytes: number
  private execs = 0
  private lost: { reason: string; detail: string } | undefined
  private closed = false
  private socketClosed = false

  /** @internal use `connect()` */
  constructor(init: { target: SshTarget; client: Client; handshakeMs: number; tcpConnectMs: number; hostKey: HostKeyInfo; newHostKey: boolean; attempts: number; now: () => number; maxOutputBytes: number }) {
    this.target = init.target
    this.client = init.client
    this.handshakeMs = init.handshakeMs
    this.tcpConnectMs = init.tcpConnectMs
    this.hostKey = init.hostKey
    this.newHostKey = init.newHostKey
    this.attempts = init.attempts
    this.now = init.now
    this.maxOutputBytes = init.maxOutputBytes
    this.client.on('error', (err: Error & { level?: string }) => {
      this.lost ??= { reason: err.level === 'client-timeout' ? 'KEEPALIVE' : String((err as { code?: unknown }).code ?? 'ERROR'), detail: err.message }
    })
    this.client.on('close', () => {
      this.socketClosed = true
      this.lost ??= { reason: 'CLOSED', detail: 'the connection was closed' }
    })
  }

  /** Commands started on this session so far (each one is one round trip or more). */
  get execCount(): number {
    return this.execs
  }

  /** false once the link is known to be gone (keepalive timeout, reset, closed). */
  get alive(): boolean {
    return !this.lost && !this.closed
  }

  /**
   * Runs `command` with each of `args` shell-quoted. Resolves with the exit code (non-zero is not
   * an error here); throws CommandTimeoutError on timeout, UnreachableError (phase exec, inDoubt)
   * when the link dies mid-command, ProtocolError when the channel closes without an exit status.
   */
  exec(command: string, args: readonly string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
    const line = buildCommand(command, args)
    const station = this.target
    if (this.closed || this.lost) {
      // Nothing was started, so this is safe to redo on a new connection.
      return Promise.reject(new UnreachableError(station, this.lost?.reason ?? 'CLOSED', `the SSH session is no longer open (${this.lost?.detail ?? 'closed'})`))
    }
    this.execs++
    const t0 = this.now()
    return new Promise<ExecResult>((resolve, reject) => {
      let settled = false
      let timer: NodeJS.Timeout | undefined
      const finish = (fn: () => void): void => {
        if (settled) return
        settled = true
        if (timer) clearTimeout(timer)
        fn()
      }
      try {
        this.client.exec(line, (err, channel) => {
          if (err) {
            finish(() =>
              reject(
                this.lost
                  ? new UnreachableError(station, this.lost.reason, `could not open a channel: ${this.lost.detail}`)
                  : new ProtocolError(station, `the station refused to open a command channel: ${err.message}`, '', 'The station\'s sshd may limit sessions (MaxSessions) or be shutting down; try again later.'),
              ),
            )
            return
          }
          this.runChannel(channel, line, opts, t0, finish, resolve, reject, (t) => {
            timer = t
          })
        })
      } catch (err) {
        finish(() => reject(new UnreachableError(station, 'CLOSED', `the SSH session is no longer open (${(err as Error).message})`)))
      }
    })
  }

  private runChannel(
    channel: ClientChannel,
    line: string,
    opts: ExecOptions,
    t0: number,
    finish: (fn: () => void) => void,
    resolve: (r: ExecResult) => void,
    reject: (e: Error) => void,
    setTimer: (t: NodeJS.Timeout) => void,
  ): void {
    const station = this.target
    const out = new Capture(this.maxOutputBytes)
    const err = new Capture(this.maxOutputBytes)
    let exitCode: number | null | undefined
    let signal: string | null = null
    let source: Readable | undefined

    channel.on('data', (chunk: Buffer) => {
      out.push(chunk)
      opts.onStdout?.(chunk)
    })
    channel.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk)
      opts.onStderr?.(chunk)
    })
    channel.on('exit', (code: number | null, sig?: string) => {
      exitCode = code
      signal = code === null ? (sig ?? null) : null
    })
    // Writes after the remote end closed (a command that exits without reading stdin) end up here.
    channel.on('error', () => undefined)
    channel.on('close', () => {
      if (source) {
        source.unpipe(channel)
        source.destroy()
      }
      finish(() => {
        const ms = this.now() - t0
        if (exitCode === undefined) {
          if (this.lost) {
            reject(new UnreachableError(station, this.lost.reason, this.lost.detail, { phase: 'exec', command: line }))
          } else {
            reject(new ProtocolError(station, `the channel of ${JSON.stringify(line)} closed without an exit status`, out.text()))
          }
          return
        }
        resolve({ exitCode, signal, stdout: out.text(), stderr: err.text(), ms, command: line, truncated: out.truncated || err.truncated })
      })
    })

    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      const timeoutMs = opts.timeoutMs
      setTimer(
        setTimeout(() => {
          finish(() => reject(new CommandTimeoutError(station, line, timeoutMs)))
          // Ask the remote side to stop (OpenSSH ≥ 7.9 honours it), then close our end.
          try {
            channel.signal('KILL')
          } catch {
            /* not fatal: closing the channel is what matters */
          }
          channel.close()
        }, timeoutMs),
      )
    }

    if (opts.stdin === undefined) {
      channel.end()
    } else {
      source = toReadable(opts.stdin)
      source.on('error', (e) => {
        finish(() => reject(new ProtocolError(station, `reading the input for ${JSON.stringify(line)} failed: ${e.message}`)))
        channel.close()
      })
      // pipe() pauses the source whenever the channel's window is full: backpressure end to end.
      source.pipe(channel)
    }
  }

  /** Ends the connection; waits (at most 2 s) for it to close. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.socketClosed) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.client.destroy()
        resolve()
      }, 2000)
      this.client.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      try {
        this.client.end()
      } catch {
        clearTimeout(t)
        resolve()
      }
    })
  }
}

function toReadable(input: Buffer | string | Readable): Readable {
  if (input instanceof Readable) return input
  const buf = typeof input === 'string' ? Buffer.from(input) : input
  // Chunked so a large buffer flows under the channel's window like any stream.
  return Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += STDIN_CHUNK) yield buf.subarray(i, i + STDIN_CHUNK)
    })(),
    { objectMode: false },
  )
}

/** Collects output up to a cap; decodes once at the end so multi-byte characters are not split. */
class Capture {
  private readonly chunks: Buffer[] = []
  private size = 0
  truncated = false
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.max) {
      this.truncated = true
      return
    }
    const room = this.max - this.size
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (part.length < chunk.length) this.truncated = true
    this.chunks.push(part)
    this.size += part.length
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/**
 * Opens an authenticated session to a station, verifying its host key against the pin.
 * Connection-phase failures (refused, timeouts, resets, closed before the handshake) are retried
 * with backoff; host key and authentication failures never are.
 */
export async function connect(target: SshTarget, opts: ConnectOptions): Promise<SshSession> {
  const policy = opts.retry ?? defaultRetryPolicy
  const { value, attempts } = await withRetries((attempt) => connectOnce(target, opts, attempt), {
    policy,
    retryable: (err) => err instanceof SshError && err.retryable,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    onRetry: (err, attempt, delay) => opts.onRetry?.(err as SshError, attempt, delay),
  }).catch((err: unknown) => {
    // Retries stop only when attempts run out or the error is not retryable: report how many.
    if (err instanceof UnreachableError && err.phase === 'connect') throw err.withAttempts(Math.max(1, Math.floor(policy.attempts)))
    throw err
  })
  return new SshSession({ ...value, target, attempts, now: opts.now ?? (() => performance.now()), maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT })
}

interface Connected {
  client: Client
  handshakeMs: number
  tcpConnectMs: number
  hostKey: HostKeyInfo
  newHostKey: boolean
}

function connectOnce(target: SshTarget, opts: ConnectOptions, _attempt: number): Promise<Connected> {
  const now = opts.now ?? (() => performance.now())
  const expected = expectedFingerprints(target)
  const readyTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const state: AttemptState = { tcpConnected: false, handshakeDone: false, readyTimeoutMs }
  const offered = opts.identity.offered ?? describeIdentity(opts.identity)
  return new Promise<Connected>((resolve, reject) => {
    const client = new Client()
    const t0 = now()
    let tcpConnectMs = 0
    let seen: HostKeyInfo | undefined
    let newHostKey = false
    let settled = false
    const fail = (err: Error): void => {
      if (settled) return
      settled = true
      client.removeAllListeners()
      client.on('error', () => undefined)
      client.destroy()
      reject(err instanceof LastmileError ? err : classifyConnectError(err, target, state, offered))
    }
    client.on('connect', () => {
      state.tcpConnected = true
      tcpConnectMs = now() - t0
      // Small request/response packets: Nagle would add a delayed-ACK stall per command.
      client.setNoDelay(true)
    })
    client.on('handshake', () => {
      state.handshakeDone = true
    })
    client.on('ready', () => {
      if (settled) return
      settled = true
      client.removeAllListeners('close')
      resolve({ client, handshakeMs: now() - t0, tcpConnectMs, hostKey: seen as HostKeyInfo, newHostKey })
    })
    client.on('error', (err) => fail(err))
    client.on('close', () => fail(Object.assign(new Error('connection closed before handshake'), { level: 'client-socket', code: 'ECONNRESET' })))

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: readyTimeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: opts.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer): boolean => {
        const fingerprint = fingerprintOfBlob(key)
        seen = { type: keyTypeOfBlob(key) ?? 'unknown', fingerprint, base64: key.toString('base64') }
        if (expected.length > 0) {
          if (expected.includes(fingerprint)) return true
          state.hostKey = { decision: 'mismatch', found: fingerprint, expected, ...(target.pinSource ? { source: target.pinSource } : {}) }
          return false
        }
        if (opts.trustNew) {
          newHostKey = true
          opts.onNewHostKey?.(fingerprint, seen)
          return true
        }
        state.hostKey = { decision: 'unknown', found: fingerprint, expected: [] }
        return false
      },
      ...(opts.identity.privateKey !== undefined ? { privateKey: opts.identity.privateKey } : {}),
      ...(opts.identity.passphrase !== undefined ? { passphrase: opts.identity.passphrase } : {}),
      ...(opts.identity.agent !== undefined ? { agent: opts.identity.agent } : {}),
      // Straight to our key (then the agent): ssh2's default first asks for auth "none" to learn
      // the methods, one round trip that costs 200 ms on a rural link and tells us nothing.
      authHandler: authMethods(target.user, opts.identity),
    }
    try {
      client.connect(config)
      signOnFirstRequest(client)
    } catch (err) {
      // ssh2 throws synchronously for a key it cannot parse (e.g. encrypted without passphrase).
      fail(new IdentityError(`the SSH key could not be used: ${(err as Error).message}`, 'Check the key file (LASTMILE_SSH_KEY or ~/.config/lastmile/operator.yaml); for an encrypted key set LASTMILE_SSH_PASSPHRASE or load it into ssh-agent.'))
    }
  })
}

/** The methods we try, in order. (The key is also in the connect config, so ssh2 still refuses a bad key at once.) */
function authMethods(username: string, id: SshIdentity): Array<PublicKeyAuthMethod | AgentAuthMethod | NoAuthMethod> {
  const out: Array<PublicKeyAuthMethod | AgentAuthMethod | NoAuthMethod> = []
  if (id.privateKey !== undefined) out.push({ type: 'publickey', username, key: id.privateKey, ...(id.passphrase !== undefined ? { passphrase: id.passphrase } : {}) })
  if (id.agent !== undefined) out.push({ type: 'agent', username, agent: id.agent })
  if (out.length === 0) out.push({ type: 'none', username })
  return out
}

function describeIdentity(id: SshIdentity): string[] {
  const out: string[] = []
  if (id.privateKey !== undefined) out.push('a private key')
  if (id.agent !== undefined) out.push(`the keys of ssh-agent (${id.agent})`)
  return out
}

/** Connects, runs `fn`, and always closes the session. */
export async function withSession<T>(target: SshTarget, opts: ConnectOptions, fn: (session: SshSession) => Promise<T>): Promise<T> {
  const session = await connect(target, opts)
  try {
    return await fn(session)
  } finally {
    await session.close()
  }
}
