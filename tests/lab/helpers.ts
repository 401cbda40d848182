import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import type { Client as SshClient } from 'ssh2'
import { fingerprint, parseOneKey } from '../../src/lab/keys.js'
import type { LabPlan, LabPlanStation } from '../../src/lab/plan.js'
import type { LabStation } from '../../src/lab/target.js'

/* Helpers for the lab's integration tests: plain ssh2 clients, pinned like the transport pins. */

export interface ConnectOptions {
  /** Private key (OpenSSH text). */
  key: string | Buffer
  user?: string
  readyTimeout?: number
  /** Expected host key fingerprint (default: the station's pin from target.json). */
  hostKey?: string
}

export function connect(st: LabStation, opts: ConnectOptions): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client()
    const expected = opts.hostKey ?? st.hostKey
    let seen: string | undefined
    c.once('ready', () => resolve(c))
    // ssh2 may emit more than one error for one failure (ECONNRESET, then "Connection lost before handshake").
    c.on('error', (err: Error & { seenHostKey?: string }) => {
      err.seenHostKey = seen
      reject(err)
    })
    c.connect({
      host: st.host,
      port: st.port,
      username: opts.user ?? 'root',
      privateKey: opts.key,
      readyTimeout: opts.readyTimeout ?? 10_000,
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(parseOneKey(key, 'host key'))
        return seen === expected
      },
    })
  })
}

export interface ExecResult {
  code: number | null
  signal?: string
  stdout: string
  stderr: string
}

export function exec(c: SshClient, command: string, stdin?: string | Buffer): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, stream) => {
      if (err) return reject(err)
      let stdout = ''
      let stderr = ''
      let code: number | null = null
      let signal: string | undefined
      stream.on('data', (d: Buffer) => (stdout += d.toString()))
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      stream.on('exit', (c0: number | null, s?: string) => {
        code = c0
        if (s) signal = s
      })
      stream.on('close', () => resolve({ code, stdout, stderr, ...(signal ? { signal } : {}) }))
      if (stdin !== undefined) stream.end(stdin)
    })
  })
}

/** One connection, one command. */
export async function sshRun(st: LabStation, key: string | Buffer, command: string, stdin?: string | Buffer): Promise<ExecResult> {
  const c = await connect(st, { key })
  try {
    return await exec(c, command, stdin)
  } finally {
    c.end()
  }
}

/** Copies the agent in over SSH, as the controller does on first contact (paths under $LASTMILE_ROOT). */
export async function installAgent(st: LabStation, key: string | Buffer): Promise<ExecResult> {
  const agent = await readFile(path.resolve('station/lastmile-station'))
  const dst = '"${LASTMILE_ROOT:-}/usr/sbin/lastmile-station"'
  return sshRun(st, key, `mkdir -p "\${LASTMILE_ROOT:-}/usr/sbin" && cat > ${dst}.tmp && chmod 755 ${dst}.tmp && mv -f ${dst}.tmp ${dst}`, agent)
}

export function json<T = Record<string, unknown>>(r: ExecResult): T {
  const line = r.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(line) as T
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`)
  }
}

/** An apply bundle (tar with MANIFEST and files/) built with the system tar, as the agent's own tests do. */
export async function bundle(files: Record<string, { content: string; reload: string; mode?: string }>): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lastmile-bundle-'))
  try {
    const manifest: string[] = []
    for (const [p, f] of Object.entries(files)) {
      await mkdir(path.join(dir, 'files', path.dirname(p)), { recursive: true })
      await writeFile(path.join(dir, 'files', p), f.content)
      manifest.push(`${createHash('sha256').update(f.content).digest('hex')} ${f.mode ?? '0644'} ${f.reload} ${p}`)
    }
    await writeFile(path.join(dir, 'MANIFEST'), manifest.join('\n') + '\n')
    return execFileSync('tar', ['-c', '-f', '-', '-C', dir, 'MANIFEST', 'files'], { maxBuffer: 10 * 1024 * 1024 })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Polls `check` every `everyMs` until it returns a value, at most `tries` times (bounded). */
export async function eventually<T>(check: () => Promise<T | undefined>, tries: number, everyMs: number): Promise<T | undefined> {
  for (let i = 0; i < tries; i++) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return undefined
}

/** Does a connection to the station succeed right now? (error message otherwise) */
export async function reachable(st: LabStation, key: string | Buffer): Promise<true | string> {
  try {
    const c = await connect(st, { key, readyTimeout: 5000 })
    c.end()
    return true
  } catch (err) {
    return (err as Error).message
  }
}

export function networkConfig(mgmt: string, note: string): string {
  return `config interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\nconfig interface 'mgmt'\n\toption proto 'static'\n\toption ipaddr '${mgmt}'\n# ${note}\n`
}

/** A lab plan for one in-process StationEndpoint (plain /bin/sh). */
export const endpointPlan = { maxConnectionsPerStation: 30, maxSessionsPerStation: 8, shell: { name: 'sh', file: '/bin/sh', args: [], busyboxApplets: false } } as unknown as LabPlan

/** One planned station (高基里, fengcheng) with its root at `root` and address `host`. */
export function plannedStation(root: string, host: string, over: Partial<LabPlanStation> = {}): LabPlanStation {
  return {
    id: '441802006001',
    name: '高基里社区居委会',
    town: { code: '441802006000', slug: 'fengcheng', name: '凤城街道' },
    host,
    root,
    managementAddress: '10.250.1.1',
    devices: [],
    wifi: false,
    wanType: 'fibre',
    wanBackup: false,
    synthetic: false,
    ...over,
  }
}
