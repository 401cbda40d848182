import { mkdtemp, writeFile, mkdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LockedError } from '../../src/cli/errors.js'
import { acquireLock, lockPath, lockStatus, type LockHolder } from '../../src/rollout/lock.js'

const holder = (pid: number, runId = `run-${pid}`): LockHolder => ({ pid, host: 'laptop', runId, startedAt: '2025-11-29T02:00:00.000Z', stations: 152 })

async function home(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'lm-lock-'))
}

describe('rollout lock', () => {
  it('a second acquire fails with LockedError (exit 7) naming the holder', async () => {
    const h = await home()
    const first = await acquireLock({ home: h, holder: holder(100), isAlive: () => true, thisHost: 'laptop' })
    const err = await acquireLock({ home: h, holder: holder(200), isAlive: () => true, thisHost: 'laptop' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LockedError)
    const e = err as LockedError
    expect(e.exitCode).toBe(7)
    expect(e.message).toContain('pid 100 on laptop, run run-100, since 2025-11-29T02:00:00.000Z')
    expect(e.hint).toMatch(/--break-lock/)
    await first.release()
    const again = await acquireLock({ home: h, holder: holder(200), isAlive: () => true, thisHost: 'laptop' })
    expect(JSON.parse(await readFile(lockPath(h), 'utf8'))).toMatchObject({ pid: 200 })
    await again.release()
    expect(await lockStatus(h)).toEqual({ state: 'free' })
  })

  it('a stale lock (pid dead on this host) is detected and reported, broken only with breakLock', async () => {
    const h = await home()
    await acquireLock({ home: h, holder: holder(100), isAlive: () => true, thisHost: 'laptop' })
    expect(await lockStatus(h, () => false, 'laptop')).toMatchObject({ state: 'stale' })
    const err = (await acquireLock({ home: h, holder: holder(200), isAlive: () => false, thisHost: 'laptop' }).catch((e: unknown) => e)) as LockedError
    expect(err.message).toMatch(/stale.*pid 100.*not running/)
    expect(err.hint).toContain('--resume run-100 --break-lock')
    const l = await acquireLock({ home: h, holder: holder(200), isAlive: () => false, thisHost: 'laptop', breakLock: true })
    expect(l.broke).toMatchObject({ pid: 100 })
  })

  it('a live holder on another host is never called stale', async () => {
    const h = await home()
    await acquireLock({ home: h, holder: { ...holder(100), host: 'other' }, isAlive: () => false, thisHost: 'laptop' })
    expect(await lockStatus(h, () => false, 'laptop')).toMatchObject({ state: 'held' })
  })

  it('an unreadable lock file is reported, and broken with breakLock', async () => {
    const h = await home()
    await mkdir(path.dirname(lockPath(h)), { recursive: true })
    await writeFile(lockPath(h), '{"pi')
    await expect(acquireLock({ home: h, holder: holder(1) })).rejects.toThrow(/cannot be read/)
    const l = await acquireLock({ home: h, holder: holder(1), breakLock: true })
    expect(l.broke).toBeNull()
  })

  it('release does not remove a lock someone else took after breaking ours', async () => {
    const h = await home()
    const a = await acquireLock({ home: h, holder: holder(100), isAlive: () => false, thisHost: 'laptop' })
    await acquireLock({ home: h, holder: holder(200), isAlive: () => false, thisHost: 'laptop', breakLock: true })
    await a.release()
    expect(await lockStatus(h, () => true, 'laptop')).toMatchObject({ state: 'held', holder: { pid: 200 } })
  })
})
