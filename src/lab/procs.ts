import { readFile, readdir } from 'node:fs/promises'

/*
 * Linux /proc helpers for the lab. The lab must stop exactly what it started:
 * its daemon (by the recorded pid, after checking its command line) and the
 * processes its stations left running (the agent's watchdog detaches with
 * setsid, so a process group is not enough). Station processes are found by
 * their environment: every command a lab station runs starts with
 * LASTMILE_ROOT=<its root>, and the agent passes it on to its watchdog.
 */

/** Alive and not a zombie. */
export async function pidAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    const st = await readFile(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) S …": the state follows the last ')'.
    return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

export async function readCmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8')
    return raw.split('\0').filter((s, i, a) => s !== '' || i < a.length - 1)
  } catch {
    return undefined
  }
}

/** Resident memory of a process in kB (VmRSS), or undefined when it is gone. */
export async function rssKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/** Value of one variable in a process's (initial) environment. */
export async function readEnvVar(pid: number, name: string): Promise<string | undefined> {
  let raw: Buffer
  try {
    raw = await readFile(`/proc/${pid}/environ`)
  } catch {
    return undefined
  }
  const prefix = `${name}=`
  for (const entry of raw.toString('utf8').split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length)
  return undefined
}

/** Every pid in /proc but this process's (none when /proc cannot be read). */
export async function otherPids(): Promise<number[]> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return []
  }
  return entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => pid !== process.pid)
}

/**
 * Pids whose LASTMILE_ROOT matches: `exact` = one station root, otherwise
 * anything under the directory (every station of a lab). Never this process.
 */
export async function findStationProcesses(rootOrDir: string, mode: 'exact' | 'under'): Promise<number[]> {
  const dir = rootOrDir.replace(/\/+$/, '')
  const pids: number[] = []
  for (const pid of await otherPids()) {
    const root = await readEnvVar(pid, 'LASTMILE_ROOT')
    if (root === undefined) continue
    const r = root.replace(/\/+$/, '')
    if (mode === 'exact' ? r === dir : r.startsWith(dir + '/')) pids.push(pid)
  }
  return pids
}

/** Sends a signal to each pid; returns how many were signalled (gone ones are skipped). */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): number {
  let n = 0
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
      n++
    } catch {
      // already gone
    }
  }
  return n
}

/**
 * Kills every process of a station root (or of all stations under a dir).
 * Repeats a few times (bounded) because a dying shell's children may appear
 * between the scan and the kill.
 */
export async function killStationProcesses(rootOrDir: string, mode: 'exact' | 'under'): Promise<number> {
  let killed = 0
  for (let round = 0; round < 5; round++) {
    const pids = await findStationProcesses(rootOrDir, mode)
    if (pids.length === 0) break
    killed += signalAll(pids, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 20))
  }
  return killed
}
