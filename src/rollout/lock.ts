import { open, readFile, unlink, mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import path from 'node:path'
import { LockedError } from '../cli/errors.js'
import { statePaths } from '../state/paths.js'

/**
 * One rollout at a time: `.lastmile/locks/rollout.lock`, created with O_EXCL
 * (`wx`), so two processes can never both believe they hold it. The file says
 * who holds it. A lock whose pid is not alive on this host is stale: reported
 * as such, and removed only when the operator says `--break-lock` (a lock on a
 * shared home directory may belong to another machine, where we cannot check).
 */
export interface LockHolder {
  pid: number
  host: string
  runId: string
  startedAt: string
  stations: number
  command?: string
}

export interface LockOptions {
  home: string
  holder: LockHolder
  breakLock?: boolean
  /** Is this pid alive on this host? Injected for tests. */
  isAlive?: (pid: number) => boolean
  thisHost?: string
}

export interface HeldLock {
  file: string
  holder: LockHolder
  /** A stale lock was broken to take this one. */
  broke?: LockHolder | null
  release(): Promise<void>
}

export function lockPath(home: string): string {
  return path.join(statePaths.locks(home), 'rollout.lock')
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function readLockHolder(home: string): Promise<LockHolder | null | 'corrupt'> {
  let text: string
  try {
    text = await readFile(lockPath(home), 'utf8')
  } catch {
    return null
  }
  try {
    const h = JSON.parse(text) as LockHolder
    return typeof h.pid === 'number' && typeof h.runId === 'string' ? h : 'corrupt'
  } catch {
    return 'corrupt'
  }
}

export type LockStatus = { state: 'free' } | { state: 'held' | 'stale'; holder: LockHolder } | { state: 'corrupt' }

export async function lockStatus(home: string, isAlive = pidAlive, thisHost = hostname()): Promise<LockStatus> {
  const h = await readLockHolder(home)
  if (h === null) return { state: 'free' }
  if (h === 'corrupt') return { state: 'corrupt' }
  const stale = h.host === thisHost && !isAlive(h.pid)
  return { state: stale ? 'stale' : 'held', holder: h }
}

export async function acquireLock(opts: LockOptions): Promise<HeldLock> {
  const file = lockPath(opts.home)
  const isAlive = opts.isAlive ?? pidAlive
  const thisHost = opts.thisHost ?? hostname()
  await mkdir(path.dirname(file), { recursive: true })
  let broke: LockHolder | null | undefined
  // Two rounds at most: the second only after breaking a stale lock.
  for (let round = 0; round < 2; round++) {
    try {
      const fh = await open(file, 'wx', 0o600)
      try {
        await fh.write(JSON.stringify(opts.holder) + '\n')
        await fh.sync()
      } finally {
        await fh.close()
      }
      let released = false
      return {
        file,
        holder: opts.holder,
        ...(broke !== undefined ? { broke } : {}),
        release: async () => {
          if (released) return
          released = true
          // Only remove it if it is still ours (someone may have broken it).
          const now = await readLockHolder(opts.home)
          if (now !== null && now !== 'corrupt' && now.runId === opts.holder.runId && now.pid === opts.holder.pid) await unlink(file).catch(() => undefined)
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const status = await lockStatus(opts.home, isAlive, thisHost)
    if (status.state === 'free') continue // released between our open and our read
    if (opts.breakLock && round === 0) {
      broke = status.state === 'corrupt' ? null : status.holder
      await unlink(file).catch(() => undefined)
      continue
    }
    throw lockedError(file, status)
  }
  throw lockedError(file, await lockStatus(opts.home, isAlive, thisHost))
}

function lockedError(file: string, status: LockStatus): LockedError {
  if (status.state === 'corrupt' || status.state === 'free') {
    return new LockedError(`the rollout lock ${file} exists but cannot be read (a crash while it was written?)`, 'If no other lastmile rollout is running, run again with --break-lock.', { file })
  }
  const h = status.holder
  const who = `pid ${h.pid} on ${h.host}, run ${h.runId}, since ${h.startedAt}${h.stations ? `, ${h.stations} stations` : ''}`
  if (status.state === 'stale') {
    return new LockedError(
      `a stale rollout lock is in the way: it names ${who}, and that process is not running any more (it crashed or was killed)`,
      `Resume that run with \`lastmile rollout --resume ${h.runId} --break-lock\`, or start a new one with --break-lock.`,
      { file, holder: h, stale: true },
    )
  }
  return new LockedError(
    `another rollout is running: ${who}`,
    `Wait for it to finish (\`lastmile status\` shows its progress). If that process is dead${h.host ? ` (check on ${h.host})` : ''}, run again with --break-lock.`,
    { file, holder: h, stale: false },
  )
}
