/**
 * CPU accounting by cgroup. Everything a process forks stays in its cgroup,
 * including daemons that detach from their parent: Ansible's SSH ControlMaster
 * processes, the station agent's watchdog, the per-connection sshd children.
 * So "controller CPU" and "station CPU" are exact sums over exactly the
 * processes of one side, whatever else loads the machine.
 *
 * Backends, first found wins:
 * - cgroup v1 `cpuacct` (/sys/fs/cgroup/cpuacct: cpuacct.usage_user/_sys, ns);
 * - cgroup v2 (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts:
 *   cpu.stat user_usec/system_usec, present without enabling any controller);
 * - none: CPU figures are NaN (the CI smoke run does not need them).
 *
 * Only cgroups this module created are touched.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import path from 'node:path'

export interface CpuSample {
  /** nanoseconds of user and system CPU */
  userNs: number
  sysNs: number
}

export interface CpuGroup {
  dir: string
  /** write a pid here to move that process (its future children follow); /dev/null without cgroups */
  procsFile: string
  read(): Promise<CpuSample>
  pids(): Promise<number[]>
  /** SIGTERM (then SIGKILL) every process still in the group: only ours, the group holds nothing else. */
  destroy(): Promise<void>
  /** rmdir (after destroy): the kernel refuses while a process is left. */
  remove(): Promise<void>
}

export type Backend = { kind: 'v1'; root: string } | { kind: 'v2'; root: string } | { kind: 'none' }

export function detectBackend(): Backend {
  if (existsSync('/sys/fs/cgroup/cpuacct/cpuacct.usage_user')) return { kind: 'v1', root: '/sys/fs/cgroup/cpuacct' }
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (existsSync(path.join(root, 'cgroup.controllers')) && existsSync(path.join(root, 'cgroup.procs'))) return { kind: 'v2', root }
  }
  return { kind: 'none' }
}

let backend: Backend | undefined

export function cgroupBackend(): Backend {
  backend ??= detectBackend()
  return backend
}

export function cpuacctAvailable(): boolean {
  return cgroupBackend().kind !== 'none'
}

/** Pure: cpu.stat (v2) → sample. */
export function parseCpuStat(text: string): CpuSample {
  const get = (k: string): number => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN)
  return { userNs: get('user_usec') * 1000, sysNs: get('system_usec') * 1000 }
}

export async function createCpuGroup(name: string): Promise<CpuGroup> {
  if (!/^[a-z0-9._-]+(\/[a-z0-9._-]+)*$/.test(name)) throw new Error(`bad cgroup name ${name}`)
  const b = cgroupBackend()
  if (b.kind === 'none') {
    return {
      dir: '',
      procsFile: '/dev/null',
      read: async () => ({ userNs: NaN, sysNs: NaN }),
      pids: async () => [],
      destroy: async () => undefined,
      remove: async () => undefined,
    }
  }
  const dir = path.join(b.root, name)
  await mkdir(dir, { recursive: true })
  const group: CpuGroup = {
    dir,
    procsFile: path.join(dir, 'cgroup.procs'),
    read: async () => {
      if (b.kind === 'v2') return parseCpuStat(await readFile(path.join(dir, 'cpu.stat'), 'utf8'))
      return {
        userNs: Number((await readFile(path.join(dir, 'cpuacct.usage_user'), 'utf8')).trim()),
        sysNs: Number((await readFile(path.join(dir, 'cpuacct.usage_sys'), 'utf8')).trim()),
      }
    },
    pids: async () =>
      (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map(Number),
    destroy: async () => {
      // Bounded: 20 rounds of 100 ms, SIGKILL for the second half.
      for (let round = 0; round < 20; round++) {
        const pids = await group.pids()
        if (pids.length === 0) break
        for (const pid of pids) {
          try {
            process.kill(pid, round < 10 ? 'SIGTERM' : 'SIGKILL')
          } catch {
            // gone
          }
        }
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    remove: async () => {
      await rmdir(dir).catch(() => undefined)
    },
  }
  return group
}

/** Removes a parent cgroup directory once its children are gone. */
export async function removeCpuGroupDir(name: string): Promise<void> {
  const b = cgroupBackend()
  if (b.kind === 'none') return
  await rmdir(path.join(b.root, name)).catch(() => undefined)
}

export async function movePid(group: CpuGroup, pid: number): Promise<void> {
  await writeFile(group.procsFile, `${pid}\n`)
}

export function cpuSeconds(a: CpuSample, b: CpuSample): { user: number; sys: number; total: number } {
  const user = (b.userNs - a.userNs) / 1e9
  const sys = (b.sysNs - a.sysNs) / 1e9
  return { user, sys, total: user + sys }
}
