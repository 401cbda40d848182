// Test helpers for the station agent (station/lastmile-station): make a station root, build the
// input tar with the system `tar`, run a verb under a real shell (dash or busybox sh).
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'

const execFileP = promisify(execFile)

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const AGENT = join(REPO, 'station/lastmile-station')
export const LAB_STUBS = join(REPO, 'station/lab-stubs')

/** Absolute path of a program on the host PATH (the tests need dash, busybox and tar). */
export function which(program: string): string {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, program)
    if (dir && existsSync(candidate)) return candidate
  }
  throw new Error(`${program} is not installed (apt-get install ${program})`)
}

export interface Shell {
  /** label for describe.each */
  name: 'dash' | 'busybox'
  /** argv prefix that runs a script: ['/usr/bin/dash'] or ['/usr/bin/busybox', 'sh'] */
  argv: string[]
}

/**
 * The two shells the agent must run under. Under busybox the PATH holds only the busybox applets
 * in BUSYBOX_APPLETS (tar, sha256sum, df, setsid, ... as on OpenWrt); under dash, Debian's tools.
 */
export const SHELLS: Shell[] = [
  { name: 'dash', argv: [which('dash')] },
  { name: 'busybox', argv: [which('busybox'), 'sh'] },
]

/**
 * The busybox applets on the agent's PATH under busybox: the tools the agent (and the lab stubs)
 * may use. Everything is in OpenWrt's default busybox; a command missing here fails the tests.
 */
export const BUSYBOX_APPLETS = [
  'sh', 'awk', 'cat', 'chmod', 'cp', 'date', 'dd', 'df', 'echo', 'grep', 'gzip', 'kill', 'mkdir', 'mv',
  'printf', 'rm', 'sed', 'setsid', 'sha256sum', 'sleep', 'sync', 'tar', 'wc',
]

export type Reload = 'network' | 'wireless' | 'firewall' | 'dhcp' | 'dropbear' | '-'

export interface AgentStep {
  step: string
  ok: boolean
  ms: number
  [key: string]: unknown
}

/** One stdout object of the agent; verb-specific fields are read with toMatchObject or field(). */
export interface AgentOutput {
  ok: boolean
  verb: string
  error?: { code: string; message: string }
  steps?: AgentStep[]
  [key: string]: unknown
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout parsed (the agent prints exactly one JSON line); null when stdout is empty */
  json: AgentOutput | null
  /** wall time from spawn until stdout/stderr closed and the process exited */
  ms: number
}

export interface RunOptions {
  input?: Buffer | string
  env?: Record<string, string>
  /** replace the default PATH (stub dir + tools) */
  path?: string
  timeoutMs?: number
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Poll `check` every 100 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await sleep(100)
  }
}

/** Parse the agent's stdout; throws (failing the test) unless it is exactly one JSON line. */
export function parseAgentStdout(stdout: string): AgentOutput | null {
  if (stdout === '') return null
  const lines = stdout.split('\n').filter((l) => l !== '')
  if (lines.length !== 1 || !stdout.endsWith('\n')) {
    throw new Error(`agent printed ${lines.length} lines, expected one JSON line:\n${stdout}`)
  }
  return JSON.parse(lines[0] as string) as AgentOutput
}

export class Station {
  private constructor(
    readonly shell: Shell,
    /** temp dir holding root/, bin/ (PATH stubs), bb/ (busybox applets) */
    readonly base: string,
    readonly root: string,
    /** first on PATH: tests drop stub commands (e.g. df) here */
    readonly binDir: string,
    readonly bbDir: string,
  ) {}

  /** A fresh station root with the lab stubs installed and `files` (station path → content). */
  static async create(shell: Shell, files: Record<string, string> = {}): Promise<Station> {
    const base = await mkdtemp(join(tmpdir(), `lastmile-station-${shell.name}-`))
    const root = join(base, 'root')
    const binDir = join(base, 'bin')
    const bbDir = join(base, 'bb')
    await mkdir(root, { recursive: true })
    await mkdir(binDir, { recursive: true })
    await mkdir(bbDir, { recursive: true })
    const busybox = which('busybox')
    for (const applet of BUSYBOX_APPLETS) await symlink(busybox, join(bbDir, applet))
    await cp(LAB_STUBS, root, { recursive: true })
    await mkdir(join(root, 'etc/config'), { recursive: true })
    await mkdir(join(root, 'var/log'), { recursive: true })
    const station = new Station(shell, base, root, binDir, bbDir)
    for (const [path, content] of Object.entries(files)) await station.write(path, content)
    return station
  }

  /** Host path of a station path ("/etc/config/network" → <root>/etc/config/network). */
  path(stationPath: string): string {
    return join(this.root, stationPath)
  }

  statePath(name = ''): string {
    return join(this.root, 'etc/lastmile/state', name)
  }

  /** The PATH the agent sees: stubs first, then busybox applets only (busybox) or Debian's tools. */
  defaultPath(): string {
    return this.shell.name === 'busybox' ? [this.binDir, this.bbDir].join(':') : [this.binDir, '/usr/local/bin', '/usr/bin', '/bin'].join(':')
  }

  env(extra: Record<string, string> = {}, path?: string): Record<string, string> {
    return {
      PATH: path ?? this.defaultPath(),
      LASTMILE_ROOT: this.root,
      // the watchdog re-runs the agent: under the same shell as the test
      LASTMILE_SHELL: this.shell.argv.join(' '),
      LANG: 'C.UTF-8',
      ...extra,
    }
  }

  /** Run `<shell> station/lastmile-station <verb> <args...>` with stdio pipes. */
  run(verb: string, args: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
    const [cmd, ...pre] = this.shell.argv as [string, ...string[]]
    const started = Date.now()
    const child = spawn(cmd, [...pre, AGENT, verb, ...args], {
      env: this.env(opts.env, opts.path),
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    // The agent may exit without reading stdin (e.g. `pending`): ignore EPIPE like a client must.
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
    const timeoutMs = opts.timeoutMs ?? 20_000
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`agent ${verb} did not finish within ${timeoutMs} ms`))
      }, timeoutMs)
      child.on('error', reject)
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        const stdout = Buffer.concat(out).toString('utf8')
        const stderr = Buffer.concat(err).toString('utf8')
        try {
          resolvePromise({ code, signal, stdout, stderr, json: parseAgentStdout(stdout), ms: Date.now() - started })
        } catch (e) {
          reject(e instanceof Error ? new Error(`${e.message}\nstderr: ${stderr}`) : e)
        }
      })
    })
  }

  async read(stationPath: string): Promise<string | null> {
    try {
      return await readFile(this.path(stationPath), 'utf8')
    } catch {
      return null
    }
  }

  async write(stationPath: string, content: string | Buffer, mode?: number): Promise<void> {
    const p = this.path(stationPath)
    await mkdir(dirname(p), { recursive: true })
    await writeFile(p, content)
    if (mode !== undefined) await chmod(p, mode)
  }

  async exists(stationPath: string): Promise<boolean> {
    return existsSync(this.path(stationPath))
  }

  /** Permission bits of a station file, e.g. 0o600. */
  async mode(stationPath: string): Promise<number> {
    return (await stat(this.path(stationPath))).mode & 0o7777
  }

  /** Lines of var/log/lab-commands.log written by the stubs ("<epoch> <name> <args>"). */
  async commands(): Promise<string[]> {
    const log = await this.read('/var/log/lab-commands.log')
    return (log ?? '').split('\n').filter((l) => l !== '').map((l) => l.replace(/^\d+ /, ''))
  }

  async stateEntries(): Promise<string[]> {
    try {
      return (await readdir(this.statePath())).sort()
    } catch {
      return []
    }
  }

  /** Make a stub (`lab/fail-<name>`) fail with `code`. */
  async failCommand(name: string, code = 1): Promise<void> {
    await this.write(`/lab/fail-${name}`, `${code}\n`)
  }

  /** Put an executable script first on the agent's PATH (e.g. a `df` that reports a full disk). */
  async addPathStub(name: string, script: string): Promise<void> {
    const p = join(this.binDir, name)
    await writeFile(p, script)
    await chmod(p, 0o755)
  }

  /** A PATH of busybox applets without setsid and nohup (as on a minimal OpenWrt build). */
  async pathWithoutSetsid(): Promise<string> {
    const dir = join(this.base, 'bb-nosetsid')
    await mkdir(dir, { recursive: true })
    const busybox = which('busybox')
    for (const applet of BUSYBOX_APPLETS) {
      if (applet !== 'setsid') await symlink(busybox, join(dir, applet))
    }
    return [this.binDir, dir].join(':')
  }

  watchdogPid(): Promise<number | null> {
    return readFile(this.statePath('watchdog.pid'), 'utf8').then(
      (s) => Number.parseInt(s, 10) || null,
      () => null,
    )
  }

  /** Kill a watchdog left running, then remove the temp dir. */
  async cleanup(): Promise<void> {
    const pid = await this.watchdogPid()
    if (pid !== null && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await rm(this.base, { recursive: true, force: true })
  }
}

export interface BundleFile {
  /** station path, e.g. /etc/config/network */
  path: string
  /** the desired content (its sha256 goes into MANIFEST) */
  content: string
  mode?: string
  reload?: Reload
  /** ship the file in files/ (a changed file); false = listed in MANIFEST only (unchanged) */
  ship?: boolean
  /** override the MANIFEST hash (checksum tests) */
  sha?: string
  /** a removal line (`- - <reload> <path>`): the file must be gone; never shipped */
  remove?: boolean
}

export interface BundleOptions {
  /** replace the MANIFEST text entirely */
  manifest?: string
  /** extra work in the bundle dir before tar runs (add members) */
  prepare?: (dir: string) => Promise<void>
  /** extra names to pass to tar after MANIFEST and files */
  extraMembers?: string[]
  /** extra tar options (e.g. ['-P', '--transform', 's,^evil,../evil,']) */
  tarOptions?: string[]
  gzip?: boolean
  /** leave MANIFEST out of the tar */
  omitManifest?: boolean
}

export function manifestLine(f: BundleFile): string {
  if (f.remove) return `- ${f.mode ?? '-'} ${f.reload ?? '-'} ${f.path}`
  return `${f.sha ?? sha256(f.content)} ${f.mode ?? '0644'} ${f.reload ?? '-'} ${f.path}`
}

/** Build the apply input with the system tar: MANIFEST + files/<path> for shipped files. */
export async function buildBundle(files: BundleFile[], opts: BundleOptions = {}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-bundle-'))
  try {
    await writeFile(join(dir, 'MANIFEST'), opts.manifest ?? files.map((f) => manifestLine(f) + '\n').join(''))
    const members = opts.omitManifest ? [] : ['MANIFEST']
    for (const f of files) {
      if (f.ship === false || (f.remove && f.ship !== true)) continue
      const p = join(dir, 'files', f.path)
      await mkdir(dirname(p), { recursive: true })
      await writeFile(p, f.content)
    }
    if (existsSync(join(dir, 'files'))) members.push('files')
    if (opts.prepare) await opts.prepare(dir)
    members.push(...(opts.extraMembers ?? []))
    const { stdout } = await execFileP(which('tar'), [...(opts.tarOptions ?? []), '-c', '-f', '-', '-C', dir, ...members], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    })
    return opts.gzip ? gzipSync(stdout) : stdout
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Field of an agent output, typed by the caller (e.g. field<string>(out, 'appliedId')). */
export function field<T>(out: AgentOutput | null, name: string): T {
  if (!out) throw new Error('agent printed nothing')
  return out[name] as T
}
