/**
 * Runs one tool invocation and measures it:
 * - wall time (from spawn to exit, start-up of node / python included);
 * - controller CPU: user + sys of every process the tool started, by cpuacct
 *   cgroup (so Ansible's detached SSH ControlMaster processes count too);
 *   leftovers (ControlPersist masters) are stopped right after the tool exits
 *   and their teardown is counted;
 * - station CPU: the delta of the stations' cgroup (every sshd, session,
 *   shell, agent, Python module), read once the stations are idle again;
 * - link-emulator CPU, reported apart (it stands in for the network);
 * - peak memory: GNU time's %M (the largest single process) and the peak of
 *   the summed PSS of all the tool's processes, sampled every 200 ms;
 * - the machine's load average and busy share during the run (context: other
 *   work on the machine does not enter the CPU figures above).
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { cpuSeconds, createCpuGroup, type CpuGroup, type CpuSample } from './cgroup.js'
import { parseGnuTime, parseProcStat } from './parse.js'

export interface Measurement {
  wallS: number
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  controllerCpuS: number
  controllerUserS: number
  controllerSysS: number
  stationCpuS: number
  proxyCpuS: number
  /** GNU time %M: max RSS of the largest process, MiB */
  peakRssMiB: number
  /** peak of the summed PSS of the tool's processes, MiB */
  peakPssMiB: number
  /** processes the tool had to leave behind (e.g. ControlPersist masters) and we stopped */
  leftovers: number
  loadAvg1Before: number
  loadAvg1After: number
  /** share of the whole machine's CPU that was busy during the run (all users), 0..1 */
  machineBusy: number
  stdoutFile: string
}

export interface MeasureOptions {
  file: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd: string
  /** cgroup name for this invocation (under the runner's own parent group) */
  group: string
  stations: CpuGroup
  /** processes the station cgroup holds when idle (the sshd listeners / the lab daemon) */
  stationIdleProcs: number
  proxy?: CpuGroup
  stdoutFile: string
  timeoutMs: number
}

async function loadAvg1(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0])
}

async function pssKb(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '')
  const m = /^Pss:\s+(\d+) kB/m.exec(text)
  return m ? Number(m[1]) : 0
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function measure(o: MeasureOptions): Promise<Measurement> {
  const group = await createCpuGroup(o.group)
  const timeFile = `${o.stdoutFile}.time`
  await rm(timeFile, { force: true })
  const [stBefore, pxBefore, statBefore, loadBefore] = await Promise.all([o.stations.read(), o.proxy?.read(), readFile('/proc/stat', 'utf8'), loadAvg1()])
  const out = createWriteStream(o.stdoutFile)
  const t0 = process.hrtime.bigint()
  // The shell moves itself into the cgroup, then becomes GNU time, which starts the tool.
  const child = spawn('/bin/sh', ['-c', 't="$1"; shift; echo $$ > "$0" && exec /usr/bin/time -f "%e %U %S %M" -o "$t" "$@"', group.procsFile, timeFile, o.file, ...o.args], {
    cwd: o.cwd,
    env: o.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(out, { end: false })
  child.stderr.pipe(out, { end: false })

  let peakPss = 0
  let sampling = true
  const sampler = (async () => {
    // Bounded by the child's lifetime (and the timeout below).
    while (sampling) {
      const pids = await group.pids()
      const kb = (await Promise.all(pids.map(pssKb))).reduce((a, b) => a + b, 0)
      if (kb > peakPss) peakPss = kb
      await sleep(200)
    }
  })()

  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    void group.pids().then((pids) =>
      pids.forEach((p) => {
        try {
          process.kill(p, 'SIGKILL')
        } catch {
          // gone
        }
      }),
    )
  }, o.timeoutMs)
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })))
  const t1 = process.hrtime.bigint()
  clearTimeout(timer)
  sampling = false
  await sampler
  out.end()

  const leftovers = (await group.pids()).length
  await group.destroy()
  const cpu = cpuSeconds({ userNs: 0, sysNs: 0 }, await group.read())
  await group.remove()

  // Station side: wait (bounded) until only the idle processes are left, e.g. the agent's
  // watchdog has seen its confirm and the sessions closed by the masters' teardown have ended.
  for (let i = 0; i < 100; i++) {
    if ((await o.stations.pids()).length <= o.stationIdleProcs) break
    await sleep(100)
  }
  const [stAfter, pxAfter, statAfter, loadAfter] = await Promise.all([o.stations.read(), o.proxy?.read(), readFile('/proc/stat', 'utf8'), loadAvg1()])
  const a = parseProcStat(statBefore)
  const b = parseProcStat(statAfter)
  const busy = b.total - a.total > 0 ? 1 - (b.idle - a.idle) / (b.total - a.total) : NaN
  const time = parseGnuTime(await readFile(timeFile, 'utf8').catch(() => ''))
  const station = cpuSeconds(stBefore, stAfter)
  const proxy = pxBefore && pxAfter ? cpuSeconds(pxBefore as CpuSample, pxAfter).total : 0
  return {
    wallS: Number(t1 - t0) / 1e9,
    exitCode: code,
    signal,
    timedOut,
    controllerCpuS: cpu.total,
    controllerUserS: cpu.user,
    controllerSysS: cpu.sys,
    stationCpuS: station.total,
    proxyCpuS: proxy,
    peakRssMiB: (time?.maxRssKb ?? 0) / 1024,
    peakPssMiB: peakPss / 1024,
    leftovers,
    loadAvg1Before: loadBefore,
    loadAvg1After: loadAfter,
    machineBusy: busy,
    stdoutFile: o.stdoutFile,
  }
}
