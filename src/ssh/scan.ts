import { performance } from 'node:perf_hooks'
import ssh2 from 'ssh2'
import { classifyConnectError, type AttemptState } from './classify.js'
import { SshError, UnreachableError, type StationEndpoint } from './errors.js'
import { fingerprintOfBlob, keyTypeOfBlob } from './fingerprint.js'
import { defaultRetryPolicy, withRetries, type RetryPolicy } from './retry.js'
import type { HostKeyInfo } from './session.js'

// ssh2 is CommonJS: Node's ESM loader only offers its default export.
const { Client } = ssh2

export interface ScanOptions {
  timeoutMs?: number
  retry?: RetryPolicy
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  now?: () => number
}

export interface ScannedKey extends HostKeyInfo {
  /** from the start of the TCP connect to receiving the host key */
  ms: number
}

/**
 * Reads a station's host key without logging in: the key exchange delivers it to the host
 * verifier, which records it and refuses, so no credentials are needed or offered.
 */
export async function scanHostKey(station: StationEndpoint, opts: ScanOptions = {}): Promise<ScannedKey> {
  const policy = opts.retry ?? { ...defaultRetryPolicy, attempts: 2 }
  try {
    const { value } = await withRetries(() => scanOnce(station, opts), {
      policy,
      retryable: (err) => err instanceof SshError && err.retryable,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    })
    return value
  } catch (err) {
    if (err instanceof UnreachableError) throw err.withAttempts(Math.max(1, Math.floor(policy.attempts)))
    throw err
  }
}

function scanOnce(station: StationEndpoint, opts: ScanOptions): Promise<ScannedKey> {
  const now = opts.now ?? (() => performance.now())
  const timeoutMs = opts.timeoutMs ?? 20_000
  const state: AttemptState = { tcpConnected: false, handshakeDone: false, readyTimeoutMs: timeoutMs }
  return new Promise((resolve, reject) => {
    const client = new Client()
    const t0 = now()
    let done = false
    const end = (): void => {
      client.removeAllListeners()
      client.on('error', () => undefined)
      client.destroy()
    }
    client.on('connect', () => {
      state.tcpConnected = true
      client.setNoDelay(true)
    })
    client.on('error', (err) => {
      if (done) return
      done = true
      end()
      reject(classifyConnectError(err, { ...station, user: '-' }, state, []))
    })
    client.on('close', () => {
      if (done) return
      done = true
      end()
      reject(new UnreachableError(station, 'CLOSED', 'the station closed the connection before sending its host key'))
    })
    client.on('ready', () => {
      // Cannot happen (the verifier refuses), but never leave a session open.
      if (!done) {
        done = true
        end()
        reject(new UnreachableError(station, 'CLOSED', 'unexpected login during a host key scan'))
      }
    })
    client.connect({
      host: station.host,
      port: station.port,
      username: 'lastmile-scan',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer): boolean => {
        if (!done) {
          done = true
          const ms = now() - t0
          setImmediate(end)
          resolve({ type: keyTypeOfBlob(key) ?? 'unknown', fingerprint: fingerprintOfBlob(key), base64: key.toString('base64'), ms })
        }
        return false
      },
    })
  })
}
