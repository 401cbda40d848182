import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync, renameSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { LastmileError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import { labFiles } from './plan.js'
import { readCmdline } from './procs.js'
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

async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
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
      const log = await tail(files.log)
      throw new LastmileError(`the lab daemon exited (code ${exitCode}) before its stations were up`, {
        exitCode: ExitCode.Bug,
        code: 'lab-start',
        hint: `Its log (${files.log}) ends with:\n${log}`,
      })
    }
    await new Promise((r) => setTimeout(r, pollMs))
  }
  const log = await tail(files.log)
  throw new LastmileError(`the lab did not come up within ${Math.round(timeoutMs / 1000)} s`, {
    exitCode: ExitCode.Bug,
    code: 'lab-timeout',
    hint: `The daemon (pid ${daemon.pid}) is still starting or stuck; run \`lastmile lab down\` and look at ${files.log}:\n${log}`,
  })
}
