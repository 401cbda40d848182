import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync, renameSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { LastmileError, UsageError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import { labFiles, type LabPlan } from './plan.js'
import { otherPids, readCmdline } from './procs.js'
import type { LabTarget } from './target.js'

/** Marks a lab daemon's command line (`lab down` checks it before signalling a pid). */
export const DAEMON_MARKER = 'lastmile-lab-daemon'

/**
 * How to start the daemon: the daemon next to this very module. From the built
 * CLI (dist/lab/launch.js) that is dist/lab/daemon.js; from sources under
 * tsx or vitest (src/lab/launch.ts) it is src/lab/daemon.ts through tsx. Taking
 * the sibling (rather than "dist if it exists") means a stale dist/ never runs
 * under tests of new sources.
 */
export function daemonCommand(labDir: string, moduleUrl: string = import.meta.url): { file: string; args: string[] } {
  const here = fileURLToPath(moduleUrl)
  const fromSource = here.endsWith('.ts')
  const entry = path.join(path.dirname(here), fromSource ? 'daemon.ts' : 'daemon.js')
  if (!fromSource) return { file: process.execPath, args: [entry, DAEMON_MARKER, labDir] }
  const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href
  return { file: process.execPath, args: ['--import', tsx, entry, DAEMON_MARKER, labDir] }
}

/** Is `pid` a lab daemon of this lab directory (and not some process that reused the pid)? */
export async function isOurDaemon(pid: number, labDir: string): Promise<boolean> {
  const argv = await readCmdline(pid)
  if (!argv) return false
  const i = argv.indexOf(DAEMON_MARKER)
  return i >= 0 && path.resolve(argv[i + 1] ?? '') === path.resolve(labDir)
}

export interface SpawnedDaemon {
  pid: number
  /** Resolves when the daemon exits (with its exit code), if it does. */
  exited: Promise<number | null>
}

/** Starts the daemon detached (own session and process group), output to lab.log; the CLI can exit right after. */
export function spawnDaemon(labDir: string, env: NodeJS.ProcessEnv = process.env): SpawnedDaemon {
  const files = labFiles(labDir)
  if (existsSync(files.log)) renameSync(files.log, `${files.log}.1`)
  const fd = openSync(files.log, 'a', 0o644)
  const { file, args } = daemonCommand(labDir)
  // node:child_process rather than src/util/exec.ts: a detached, never-awaited process.
  const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], cwd: labDir, env })
  closeSync(fd)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => resolve(127))
  })
  child.unref()
  if (child.pid === undefined) throw new LastmileError(`could not start the lab daemon (${file})`, { exitCode: ExitCode.Bug, code: 'lab-spawn', hint: `See ${files.log}.` })
  return { pid: child.pid, exited }
}

/** The daemon's log, at most its last `maxChars` (it is rate-limited, so this is the whole log in practice). */
async function readLog(file: string, maxChars = 1024 * 1024): Promise<string> {
  try {
    const text = await readFile(file, 'utf8')
    return text.length > maxChars ? text.slice(-maxChars) : text
  } catch {
    return ''
  }
}

function tail(log: string, lines = 15): string {
  return log.trimEnd().split('\n').slice(-lines).join('\n')
}

/** Station addresses the daemon could not listen on because something already listens there. */
export interface AddressesInUse {
  /** host:port the daemon gave up on (the first one it names). */
  address: string
  /** How many distinct host:port the log names as taken (a lower bound: the daemon stops at the first). */
  count: number
}

/**
 * Reads a dead daemon's log: did it stop because its addresses were taken
 * (EADDRINUSE)? Its `cannot start:` line names the address it gave up on; each
 * station's listener also logs `listen EADDRINUSE: address already in use <host:port>`.
 */
export function addressesInUse(log: string): AddressesInUse | undefined {
  const taken = new Set<string>()
  for (const m of log.matchAll(/EADDRINUSE\b[^\n]*?\b(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})\b/g)) if (m[1]) taken.add(m[1])
  const gaveUp = /cannot start: (\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}) is already in use/.exec(log)?.[1]
  if (gaveUp) taken.add(gaveUp)
  const address = gaveUp ?? taken.values().next().value
  return address === undefined ? undefined : { address, count: taken.size }
}

/** Another lab daemon that listens on `address` (found from its command line and lab.json), if any. */
export interface LabHolder {
  pid: number
  /** Its LASTMILE_HOME (the lab directory's parent). */
  home: string
}

/**
 * The error for a lab whose addresses are taken: not a bug but another lab (often
 * one started from another LASTMILE_HOME) or another program. Says which address,
 * and what to do: stop the other lab where it was started, or use other ports.
 */
export function addressInUseError(inUse: AddressesInUse, opts: { holder?: LabHolder; logFile?: string } = {}): UsageError {
  const others = inUse.count > 1 ? ' and on other addresses of this lab' : ''
  const { holder } = opts
  const port = inUse.address.slice(inUse.address.lastIndexOf(':') + 1)
  const home = holder ? shellWord(holder.home) : ''
  const who = holder ? `the lab of LASTMILE_HOME=${home} (daemon pid ${holder.pid})` : 'another lab (or another program)'
  const stop = holder
    ? `Stop that lab with \`LASTMILE_HOME=${home} lastmile lab down\``
    : `Stop it with \`lastmile lab down\` in the home it was started from (its LASTMILE_HOME; \`ss -ltnp 'sport = :${port}'\` shows which program listens)`
  return new UsageError(
    `${who} already listens on ${inUse.address}${others}, so this lab cannot start`,
    `${stop}, or start this lab on other ports: \`lastmile lab up --port 0\` gives every station a free port (see target.json), \`--port <P>\` another fixed one.${opts.logFile ? ` The daemon's log: ${opts.logFile}` : ''}`,
  )
}

/** A path as one shell word (quoted only when it needs to be). */
function shellWord(p: string): string {
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`
}

/**
 * Finds the running lab daemon (of another lab directory) whose stations listen on
 * `address`: every lab daemon's command line names its lab directory, whose lab.json
 * lists its stations and port. Bounded by the number of processes; undefined when none.
 */
export async function findLabHolding(address: string, exceptLabDir?: string): Promise<LabHolder | undefined> {
  const sep = address.lastIndexOf(':')
  const host = address.slice(0, sep)
  const port = Number(address.slice(sep + 1))
  for (const pid of await otherPids()) {
    const argv = await readCmdline(pid)
    const i = argv?.indexOf(DAEMON_MARKER) ?? -1
    const labDir = i >= 0 ? argv?.[i + 1] : undefined
    if (!labDir || (exceptLabDir && path.resolve(labDir) === path.resolve(exceptLabDir))) continue
    try {
      const plan = JSON.parse(await readFile(labFiles(labDir).plan, 'utf8')) as LabPlan
      if (plan.port === port && plan.stations.some((s) => s.host === host)) return { pid, home: path.dirname(path.resolve(labDir)) }
    } catch {
      // Not readable (another user's lab) or being rewritten: not provably the holder.
    }
  }
  return undefined
}

/**
 * Waits until the daemon wrote target.json (every listener is up), it exited,
 * or the time is up. Bounded by `timeoutMs`.
 */
export async function waitForTarget(labDir: string, daemon: SpawnedDaemon, timeoutMs: number, pollMs = 50): Promise<LabTarget> {
  const files = labFiles(labDir)
  let exitCode: number | null | undefined
  void daemon.exited.then((c) => (exitCode = c))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const t = JSON.parse(await readFile(files.target, 'utf8')) as LabTarget
      if (t.pid === daemon.pid) return t
    } catch {
      // not written yet
    }
    if (exitCode !== undefined) {
      const log = await readLog(files.log)
      // Addresses taken (another lab, another program) are a situation to explain, not a bug.
      const inUse = addressesInUse(log)
      if (inUse) throw addressInUseError(inUse, { holder: await findLabHolding(inUse.address, labDir), logFile: files.log })
      throw new LastmileError(`the lab daemon exited (code ${exitCode}) before its stations were up`, {
        exitCode: ExitCode.Bug,
        code: 'lab-start',
        hint: `Its log (${files.log}) ends with:\n${tail(log)}`,
      })
    }
    await new Promise((r) => setTimeout(r, pollMs))
  }
  const log = tail(await readLog(files.log))
  throw new LastmileError(`the lab did not come up within ${Math.round(timeoutMs / 1000)} s`, {
    exitCode: ExitCode.Bug,
    code: 'lab-timeout',
    hint: `The daemon (pid ${daemon.pid}) is still starting or stuck; run \`lastmile lab down\` and look at ${files.log}:\n${log}`,
  })
}
