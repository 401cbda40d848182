/*
 * lastmile against Ansible on the same stations, side by side, on one machine.
 *
 *   npx tsx bench/run.ts [--stations 152] [--rtt 0,200] [--reps 3]
 *                        [--tools lastmile,ansible5,ansibleBest] [--phases cold,nochange,onefile]
 *                        [--best-forks N | --forks-sweep 20,50] [--ansible-reps N]
 *                        [--out bench/results/<date>-fleet.raw.json] [--work DIR --keep] [--timeout S]
 *   npx tsx bench/run.ts --lab-scale 1000 [--tools lastmile,rollout] [--phases cold,nochange,onefile] [--rtt 0,200]
 *                        [--reps 1] [--lab-port 2222]
 *   npx tsx bench/run.ts --count 4      (the counting pass: SSH connections / execs per station)
 *
 * Fleet mode: one real OpenSSH sshd per station (bench/lib/fleet.ts) on 127.40.x.y, and for an
 * RTT above 0 the link emulator (bench/lib/link-proxy.ts) on 127.41.x.y in its own process.
 * lastmile is the built CLI (`node bin/run.js push --lab`; run `npm run build` first) reaching
 * the fleet through a lab target.json; Ansible is ansible-playbook with bench/ansible/.
 * Tools are interleaved within each repetition, in an order that rotates between repetitions.
 * After every cold and one-file phase the stations' files are compared with lastmile's
 * render and across tools (bench/lib/compare.ts).
 *
 * Lab-scale mode: `lastmile lab up --stations N` (synthesized stations beyond the
 * inventory), then push/rollout --lab against it: lastmile alone, to show how cost grows.
 * Every (RTT, repetition, tool) gets a fresh lab (its own LASTMILE_HOME; an RTT above 0 is
 * the lab's `latencyMs` fault on every station), and the phases run against it in the order
 * cold → nochange → onefile. The one-file phase passes `--inventory` with a copy of the lab's
 * own inventory (synthesized towns included) carrying the edit of bench/lib/variant.ts; it is
 * skipped, with a note, when no edit changes exactly one file on every station of that size.
 * --lab-port gives the lab's stations another SSH port than `lab up`'s default (2222), so a
 * run does not collide with a developer's lab on the same loopback addresses.
 *
 * Needs root (sshd on 127.x:22, a cgroup per measured run), Debian's openssh-server,
 * ansible-core, GNU time. Every sshd, proxy and lab it starts is stopped by pid at the end,
 * also on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadInventoryOrThrow } from '../src/inventory/loader.js'
import { run as exec } from '../src/util/exec.js'
import { writeAnsibleInventory, type AnsibleInventoryFiles } from './lib/ansible-inventory.js'
import { cpuacctAvailable, createCpuGroup, removeCpuGroupDir, type CpuGroup } from './lib/cgroup.js'
import { compareSnapshots, describeDifferences, snapshotFleet, type FleetSnapshot } from './lib/compare.js'
import { resetStationRoots, startFleet, stopFleet, type Fleet } from './lib/fleet.js'
import { expectedFiles, loadLastmile, stationContexts, type LastmileModules } from './lib/host-vars.js'
import { writeFleetTarget } from './lib/lab-target.js'
import { measure, type Measurement } from './lib/measure.js'
import { countSshdLog, type SshdCounts } from './lib/parse.js'
import { spread, ratio, type Spread } from './lib/stats.js'
import { ansibleArgs, judge, lastmileArgs, PHASES, playbookPath, toolKind, type Phase, type ToolName, type Verdict } from './lib/tools.js'
import { findOneFileVariant, writeVariant, type OneFileVariant } from './lib/variant.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// ---------------------------------------------------------------- arguments

interface Args {
  stations?: number
  rtt: number[]
  reps: number
  /** repetitions of the Ansible configurations (default: reps); each takes ~10 min at 152 stations on 2 cores */
  ansibleReps: number
  tools: ToolName[]
  phases: Phase[]
  bestForks?: number
  forksSweep: number[]
  labScale?: number
  /** lab-scale mode: `lab up --port` (default: the lab's own default) */
  labPort?: number
  count?: number
  out: string
  inventory: string
  cli: string
  work?: string
  keep: boolean
  noSnapshot: boolean
  timeoutS: number
  kbps?: number
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    if (i < 0) return undefined
    const v = argv[i + 1]
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`)
    return v
  }
  const list = (v: string | undefined, d: string): string[] => (v ?? d).split(',').map((s) => s.trim()).filter(Boolean)
  const nums = (v: string | undefined, d: string): number[] => list(v, d).map((s) => {
    const n = Number(s)
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${s}`)
    return n
  })
  const labScale = get('lab-scale')
  const count = get('count')
  const date = new Date().toISOString().slice(0, 10)
  const mode = labScale ? `lab${labScale}` : count ? 'count' : 'fleet'
  const args: Args = {
    rtt: nums(get('rtt'), labScale ? '0' : '0,200'),
    reps: Number(get('reps') ?? (count ? 1 : 3)),
    ansibleReps: 0,
    tools: list(get('tools'), labScale ? 'lastmile,rollout' : count ? 'lastmile,ansible5' : 'lastmile,ansible5,ansibleBest'),
    phases: list(get('phases'), 'cold,nochange,onefile') as Phase[],
    forksSweep: nums(get('forks-sweep'), '20,50'),
    out: get('out') ?? path.join(repo, 'bench', 'results', `${date}-${mode}.raw.json`),
    inventory: path.resolve(get('inventory') ?? path.join(repo, 'inventory', 'qingcheng')),
    cli: path.resolve(get('cli') ?? path.join(repo, 'bin', 'run.js')),
    keep: argv.includes('--keep'),
    noSnapshot: argv.includes('--no-snapshot'),
    timeoutS: Number(get('timeout') ?? 3600),
  }
  const st = get('stations')
  if (st) args.stations = Number(st)
  const bf = get('best-forks')
  if (bf) args.bestForks = Number(bf)
  if (labScale) args.labScale = Number(labScale)
  const lp = get('lab-port')
  if (lp) args.labPort = Number(lp)
  if (count) args.count = Number(count)
  const w = get('work')
  if (w) args.work = path.resolve(w)
  const k = get('kbps')
  if (k) args.kbps = Number(k)
  args.ansibleReps = Number(get('ansible-reps') ?? args.reps)
  if (!Number.isInteger(args.ansibleReps) || args.ansibleReps < 0 || args.ansibleReps > args.reps) throw new Error('--ansible-reps takes 0..--reps')
  if (!(args.timeoutS > 0)) throw new Error('--timeout takes seconds (a number above 0): the limit of one measured run')
  for (const p of args.phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p} (cold, nochange, onefile)`)
  for (const t of args.tools) toolKind(t)
  if (!Number.isInteger(args.reps) || args.reps < 1 || args.reps > 50) throw new Error('--reps takes 1..50')
  if (args.labScale !== undefined) {
    if (!Number.isInteger(args.labScale) || args.labScale < 1 || args.labScale > 10_000) throw new Error('--lab-scale takes 1..10000 stations')
    if (args.labPort !== undefined && (!Number.isInteger(args.labPort) || args.labPort < 1 || args.labPort > 65_535)) throw new Error('--lab-port takes 1..65535')
    // Every lab starts empty: the no-change and one-file phases only mean something after cold.
    if (!args.phases.includes('cold')) throw new Error('lab-scale mode starts a fresh lab for every tool and repetition: --phases needs cold (then nochange, onefile)')
    args.phases = PHASES.filter((p) => args.phases.includes(p))
  }
  return args
}

// ---------------------------------------------------------------- results

interface RunRecord {
  mode: 'fleet' | 'lab' | 'count'
  size: number
  rttMs: number
  rep: number
  tool: ToolName
  forks?: number
  phase: Phase
  valid: boolean
  why?: string
  totals?: Verdict['lastmile'] | Verdict['ansible']
  m: Measurement
  /** counting pass: SSH connections / exec channels / sftp sessions per station */
  perStation?: SshdCounts
}

interface IdentityRecord {
  rttMs: number
  rep: number
  phase: Phase
  tool: ToolName
  against: string
  stations: number
  files: number
  identical: boolean
  differences: string[]
}

interface SummaryRow {
  mode: string
  size: number
  rttMs: number
  phase: Phase
  tool: ToolName
  forks?: number
  runs: number
  invalid: number
  wallS: Spread
  controllerCpuS: Spread
  stationCpuS: Spread
  peakRssMiB: Spread
  peakPssMiB: Spread
  /** this tool's median over lastmile's (push) median, same size/RTT/phase */
  vsLastmile?: { wall: number; controllerCpu: number; stationCpu: number }
}

export interface Results {
  format: 1
  startedAt: string
  finishedAt?: string
  command: string
  machine: Record<string, unknown>
  config: Record<string, unknown>
  runs: RunRecord[]
  forksSweep: Array<{ rttMs: number; forks: number; wallS: number; valid: boolean }>
  bestForks: Record<string, number>
  identity: IdentityRecord[]
  summary: SummaryRow[]
  notes: string[]
}

export function summarize(runs: readonly RunRecord[]): SummaryRow[] {
  const keys = new Map<string, RunRecord[]>()
  for (const r of runs) {
    const k = JSON.stringify([r.mode, r.size, r.rttMs, r.phase, r.tool])
    keys.set(k, [...(keys.get(k) ?? []), r])
  }
  const rows: SummaryRow[] = []
  for (const group of keys.values()) {
    const first = group[0]!
    const ok = group.filter((r) => r.valid)
    const s = (f: (m: Measurement) => number): Spread => spread(ok.map((r) => f(r.m)))
    rows.push({
      mode: first.mode,
      size: first.size,
      rttMs: first.rttMs,
      phase: first.phase,
      tool: first.tool,
      ...(first.forks ? { forks: first.forks } : {}),
      runs: group.length,
      invalid: group.length - ok.length,
      wallS: s((m) => m.wallS),
      controllerCpuS: s((m) => m.controllerCpuS),
      stationCpuS: s((m) => m.stationCpuS),
      peakRssMiB: s((m) => m.peakRssMiB),
      peakPssMiB: s((m) => m.peakPssMiB),
    })
  }
  for (const row of rows) {
    if (row.tool === 'lastmile') continue
    const base = rows.find((b) => b.tool === 'lastmile' && b.mode === row.mode && b.size === row.size && b.rttMs === row.rttMs && b.phase === row.phase)
    if (base) row.vsLastmile = { wall: ratio(base.wallS, row.wallS), controllerCpu: ratio(base.controllerCpuS, row.controllerCpuS), stationCpu: ratio(base.stationCpuS, row.stationCpuS) }
  }
  return rows
}

// ---------------------------------------------------------------- cleanup

const cleanups: Array<() => Promise<void>> = []
let cleaning = false

async function cleanupAll(): Promise<void> {
  if (cleaning) return
  cleaning = true
  // Last registered first; each bounded, each errors swallowed so the others still run.
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`))
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping every sshd, proxy and lab this run started`)
    void cleanupAll().then(() => process.exit(130))
  })
}

function log(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`)
}

// ---------------------------------------------------------------- helpers

async function startProxy(fleetFile: string, rttMs: number, kbps: number | undefined, group: CpuGroup): Promise<ChildProcess> {
  const child = spawn(
    '/bin/sh',
    ['-c', 'echo $$ > "$0" && exec "$@"', group.procsFile, process.execPath, '--import', 'tsx', path.join(repo, 'bench', 'lib', 'link-proxy-main.ts'), fleetFile, String(rttMs), ...(kbps ? [String(kbps)] : [])],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the link emulator did not start within 60 s')), 60_000)
    let buf = ''
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      if (buf.includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the link emulator exited (${code})`))
    })
  })
  return child
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/**
 * A frozen copy of the built CLI for the whole benchmark (what package.json ships: bin/, dist/,
 * templates/, station/, inventory/, stacks/;
 * node_modules linked): a rebuild of dist/ in the working tree meanwhile does not
 * change the program under test half-way.
 */
async function snapshotCli(work: string): Promise<string> {
  const dir = path.join(work, 'cli')
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  for (const entry of ['bin', 'dist', 'templates', 'station', 'inventory', 'stacks', 'schema', 'package.json', 'oclif.manifest.json']) {
    if (existsSync(path.join(repo, entry))) await cp(path.join(repo, entry), path.join(dir, entry), { recursive: true })
  }
  await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'))
  return path.join(dir, 'bin', 'run.js')
}

async function gitState(): Promise<Record<string, string>> {
  const head = await exec('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])
  const dirty = await exec('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'])
  return { head: head.stdout.trim(), trackedFilesModified: String(dirty.stdout.split('\n').filter(Boolean).length) }
}

async function machineInfo(): Promise<Record<string, unknown>> {
  const v = async (file: string, args: string[]): Promise<string> => {
    const r = await exec(file, args)
    return (r.stdout + r.stderr).split('\n')[0]?.trim() ?? ''
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    os: (await readFile('/etc/debian_version', 'utf8').catch(() => '')).trim() ? `Debian ${(await readFile('/etc/debian_version', 'utf8')).trim()}` : os.type(),
    node: process.version,
    ansible: await v('ansible-playbook', ['--version']),
    openssh: await v('/usr/sbin/sshd', ['-V']),
    python: await v('/usr/bin/python3', ['--version']),
    loadAvgAtStart: os.loadavg(),
  }
}

async function snapshotOf(fleet: Fleet, ids: ReadonlySet<string>): Promise<FleetSnapshot> {
  return snapshotFleet(fleet.stations.filter((s) => ids.has(s.id)))
}

function expectedSnapshot(exp: Map<string, Map<string, { sha256: string; mode: string }>>): FleetSnapshot {
  return new Map([...exp].map(([id, m]) => [id, new Map([...m].map(([p, f]) => [p, { sha256: f.sha256, mode: f.mode }]))]))
}

// ---------------------------------------------------------------- fleet mode

interface FleetContext {
  args: Args
  results: Results
  fleet: Fleet
  ids: string[]
  /** pass --station to lastmile only for a subset of the inventory */
  stationFlags?: string[]
  work: string
  runGroup: string
  stations: CpuGroup
  proxyGroup: CpuGroup
  variant: string
  /** the one path the variant changes on every station */
  variantPath?: string
  ansible: Map<string, { base: AnsibleInventoryFiles; onefile: AnsibleInventoryFiles }>
  expected: { base: FleetSnapshot; onefile: FleetSnapshot }
  rolloutExpected?: { base: FleetSnapshot; onefile: FleetSnapshot }
  seq: number
  countLogs: boolean
}

async function prepareFleet(args: Args, results: Results, size: number | undefined, opts: { countLogs: boolean; work: string; runGroup: string }): Promise<FleetContext> {
  const { inventory } = await loadInventoryOrThrow(args.inventory)
  const active = inventory.stations.filter((s) => s.hasStation)
  const n = size ?? active.length
  if (n > active.length) throw new Error(`the inventory has ${active.length} stations; for more use --lab-scale ${n} (synthesized lab stations)`)
  const chosen = active.slice(0, n)
  const ids = chosen.map((s) => s.id)
  log(`starting ${n} sshd stations`)
  const stations = await createCpuGroup(`${opts.runGroup}/stations`)
  const proxyGroup = await createCpuGroup(`${opts.runGroup}/proxy`)
  cleanups.push(async () => {
    await stations.destroy()
    await stations.remove()
    await proxyGroup.destroy()
    await proxyGroup.remove()
  })
  const fleetDir = path.join(opts.work, 'fleet')
  cleanups.push(async () => {
    // fleet.json exists from the start: stop by pid file even if startFleet failed half-way.
    const f = JSON.parse(await readFile(path.join(fleetDir, 'fleet.json'), 'utf8').catch(() => '{"stations":[]}')) as Fleet
    const k = await stopFleet(f)
    log(`stopped ${k} sshd`)
  })
  const fleet = await startFleet({
    // BENCH_FIRST_INDEX moves the fleet to other loopback addresses, so a CI smoke run cannot collide with a full-size fleet.
    firstIndex: Number(process.env.BENCH_FIRST_INDEX ?? 0),
    dir: fleetDir,
    stations: chosen.map((s) => ({ id: s.id, town: s.town.code })),
    stubs: path.join(repo, 'station', 'lab-stubs'),
    cgroupProcs: stations.procsFile,
    ...(opts.countLogs ? { logLevel: 'DEBUG1' as const } : {}),
  })
  const lm = await lastmileModules(args)
  const home = path.join(opts.work, 'render-home')
  const expectedBase = await expectedFiles(lm, args.inventory, ids, { home })
  // The one-file edit: the first candidate that changes exactly one file on every station, for
  // push (whose contexts Ansible gets) and for every lastmile command under test.
  const { variant } = await findOneFileVariant(lm, args.inventory, ids, { workPrefix: path.join(opts.work, 'inventory'), home, commands: ['push', ...lastmileCommands(args.tools)], log })
  if (!variant) throw new Error('no inventory edit changes exactly one file on every station (see bench/lib/variant.ts)')
  results.notes.push(`one-file phase: ${variant.description}: ${variant.path} changes on every station`)
  log(`one-file phase: ${variant.description} → ${variant.path}`)
  log('exporting lastmile render contexts as Ansible host_vars')
  const base = await stationContexts(lm, args.inventory, ids, { home })
  const one = await stationContexts(lm, variant.dir, ids, { home })
  const ansible = new Map<string, { base: AnsibleInventoryFiles; onefile: AnsibleInventoryFiles }>()
  for (const viaProxy of [false, true]) {
    const d = path.join(opts.work, 'ansible', viaProxy ? 'proxy' : 'direct')
    ansible.set(viaProxy ? 'proxy' : 'direct', {
      base: await writeAnsibleInventory({ dir: path.join(d, 'base'), fleet, viaProxy, contexts: base }),
      onefile: await writeAnsibleInventory({ dir: path.join(d, 'onefile'), fleet, viaProxy, contexts: one }),
    })
  }
  const expected = {
    base: expectedSnapshot(expectedBase),
    onefile: expectedSnapshot(await expectedFiles(lm, variant.dir, ids, { home })),
  }
  // `rollout --lab` renders the cloud side first and may get other cloud values than `push`.
  const rolloutExpected = args.tools.some((t) => toolKind(t).command === 'rollout')
    ? { base: expectedSnapshot(await expectedFiles(lm, args.inventory, ids, { home, command: 'rollout' })), onefile: expectedSnapshot(await expectedFiles(lm, variant.dir, ids, { home, command: 'rollout' })) }
    : undefined
  return {
    args,
    results,
    fleet,
    ids,
    ...(n < active.length ? { stationFlags: ids } : {}),
    work: opts.work,
    runGroup: opts.runGroup,
    stations,
    proxyGroup,
    variant: variant.dir,
    variantPath: variant.path,
    ansible,
    expected,
    ...(rolloutExpected ? { rolloutExpected } : {}),
    seq: 0,
    countLogs: opts.countLogs,
  }
}

/** The lastmile build under test, as modules (the exporter renders with exactly its code). */
async function lastmileModules(args: Args): Promise<LastmileModules> {
  const root = path.dirname(path.dirname(args.cli))
  return loadLastmile(root, existsSync(path.join(root, 'dist', 'render', 'context.js')) ? 'dist' : 'src')
}

async function logSizes(fleet: Fleet): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const s of fleet.stations) out.set(s.id, (await readFile(path.join(s.dir, 'sshd.log')).catch(() => Buffer.alloc(0))).length)
  return out
}

async function countSince(fleet: Fleet, before: Map<string, number>): Promise<SshdCounts> {
  const total: SshdCounts = { connections: 0, execs: 0, subsystems: 0 }
  for (const s of fleet.stations) {
    const data = await readFile(path.join(s.dir, 'sshd.log')).catch(() => Buffer.alloc(0))
    const c = countSshdLog(data.subarray(before.get(s.id) ?? 0).toString('utf8'))
    total.connections += c.connections
    total.execs += c.execs
    total.subsystems += c.subsystems
  }
  const n = fleet.stations.length
  return { connections: total.connections / n, execs: total.execs / n, subsystems: total.subsystems / n }
}

/** One tool, one phase, measured. */
async function runPhase(fc: FleetContext, o: { tool: ToolName; forks?: number; phase: Phase; rttMs: number; rep: number; home: string; mode: RunRecord['mode'] }): Promise<RunRecord> {
  const kind = toolKind(o.tool, o.forks)
  const seq = ++fc.seq
  const outDir = path.join(fc.work, 'out')
  await mkdir(outDir, { recursive: true })
  const stdoutFile = path.join(outDir, `${String(seq).padStart(3, '0')}-${o.rttMs}ms-r${o.rep}-${o.tool}-${o.phase}.log`)
  const viaProxy = o.rttMs > 0
  let file: string
  let argv: string[]
  let env: NodeJS.ProcessEnv
  if (kind.kind === 'lastmile') {
    file = process.execPath
    argv = lastmileArgs({ cli: fc.args.cli, command: kind.command ?? 'push', inventory: o.phase === 'onefile' ? fc.variant : fc.args.inventory, ...(fc.stationFlags ? { stations: fc.stationFlags } : {}) })
    env = { ...process.env, LASTMILE_HOME: o.home, NO_COLOR: '1', FORCE_COLOR: '0' }
  } else {
    const inv = fc.ansible.get(viaProxy ? 'proxy' : 'direct')!
    const cp = path.join(fc.work, 'cp', String(seq))
    await mkdir(cp, { recursive: true })
    await mkdir(path.join(fc.work, 'ansible-local'), { recursive: true })
    file = 'ansible-playbook'
    argv = ansibleArgs({ playbook: playbookPath(repo), hosts: (o.phase === 'onefile' ? inv.onefile : inv.base).hosts, forks: kind.forks ?? 5 })
    env = {
      ...process.env,
      ANSIBLE_CONFIG: path.join(repo, 'bench', 'ansible', 'ansible.cfg'),
      // a fresh ControlPath dir per run: no run inherits the previous run's SSH masters
      ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
      ANSIBLE_LOCAL_TEMP: path.join(fc.work, 'ansible-local'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
    }
  }
  const before = fc.countLogs ? await logSizes(fc.fleet) : undefined
  log(`${o.rttMs} ms rep ${o.rep}: ${o.tool}${kind.forks ? ` (forks ${kind.forks})` : ''} ${o.phase} …`)
  const m = await measure({
    file,
    args: argv,
    env,
    cwd: repo,
    group: `${fc.runGroup}/run-${seq}`,
    stations: fc.stations,
    stationIdleProcs: fc.fleet.stations.length,
    ...(viaProxy ? { proxy: fc.proxyGroup } : {}),
    stdoutFile,
    timeoutMs: fc.args.timeoutS * 1000,
  })
  const stdout = await readFile(stdoutFile, 'utf8')
  const v = judge(kind.kind, o.phase, fc.ids.length, m.exitCode, kind.kind === 'lastmile' ? stdout.slice(0, stdout.lastIndexOf('}') + 1) : stdout, fc.variantPath ? { oneFilePath: fc.variantPath } : {})
  const rec: RunRecord = {
    mode: o.mode,
    size: fc.ids.length,
    rttMs: o.rttMs,
    rep: o.rep,
    tool: o.tool,
    ...(kind.forks ? { forks: kind.forks } : {}),
    phase: o.phase,
    valid: v.valid && !m.timedOut,
    ...(v.why || m.timedOut ? { why: m.timedOut ? 'timed out' : v.why } : {}),
    ...(v.lastmile ? { totals: v.lastmile } : v.ansible ? { totals: v.ansible } : {}),
    m,
    ...(before ? { perStation: await countSince(fc.fleet, before) } : {}),
  }
  log(
    `  wall ${m.wallS.toFixed(1)} s, controller CPU ${m.controllerCpuS.toFixed(1)} s, stations CPU ${m.stationCpuS.toFixed(1)} s, peak RSS ${m.peakRssMiB.toFixed(0)} MiB / PSS ${m.peakPssMiB.toFixed(0)} MiB, load ${m.loadAvg1Before.toFixed(1)}${rec.valid ? '' : `  INVALID: ${rec.why}`}`,
  )
  fc.results.runs.push(rec)
  // After every measured run: an interrupted benchmark (hours long) keeps what it measured.
  await writeResults(fc.args.out, fc.results)
  return rec
}

/** After a cold or one-file phase: the stations' files against lastmile's render (and kept for the cross-tool check). */
async function checkIdentity(fc: FleetContext, o: { tool: ToolName; phase: Phase; rttMs: number; rep: number }, snapshots: Map<string, FleetSnapshot>): Promise<void> {
  const snap = await snapshotOf(fc.fleet, new Set(fc.ids))
  const exp = toolKind(o.tool).command === 'rollout' && fc.rolloutExpected ? fc.rolloutExpected : fc.expected
  recordIdentity(fc, o, 'lastmile render', o.phase === 'onefile' ? exp.onefile : exp.base, snap)
  snapshots.set(`${o.tool}/${o.phase}`, snap)
}

function recordIdentity(fc: FleetContext, o: { tool: ToolName; phase: Phase; rttMs: number; rep: number }, against: string, expected: FleetSnapshot, actual: FleetSnapshot): void {
  const c = compareSnapshots(expected, actual)
  fc.results.identity.push({ rttMs: o.rttMs, rep: o.rep, phase: o.phase, tool: o.tool, against, stations: c.stations, files: c.files, identical: c.identical, differences: describeDifferences(c, [against, o.tool]) })
  log(`  identity ${o.tool} vs ${against} (${o.phase}): ${c.identical ? `identical, ${c.files} files on ${c.stations} stations` : `${c.differences.length} DIFFERENCES`}`)
}

/** End of a repetition: every other tool's files against the files lastmile left on the stations. */
function crossCheck(fc: FleetContext, rttMs: number, rep: number, snapshots: Map<string, FleetSnapshot>): void {
  for (const [key, snap] of snapshots) {
    const [tool, phase] = key.split('/') as [ToolName, Phase]
    if (tool === 'lastmile') continue
    const lm = snapshots.get(`lastmile/${phase}`)
    if (lm) recordIdentity(fc, { tool, phase, rttMs, rep }, 'lastmile on the stations', lm, snap)
  }
}

async function fleetMode(args: Args, results: Results, work: string, runGroup: string): Promise<void> {
  const fc = await prepareFleet(args, results, args.stations, { countLogs: false, work, runGroup })
  const fleetFile = path.join(fc.fleet.dir, 'fleet.json')
  for (const rttMs of args.rtt) {
    let proxy: ChildProcess | undefined
    if (rttMs > 0) {
      log(`starting the link emulator: +${rttMs} ms RTT${args.kbps ? `, ${args.kbps} kbit/s` : ''}`)
      proxy = await startProxy(fleetFile, rttMs, args.kbps, fc.proxyGroup)
      const p = proxy
      cleanups.push(() => stopChild(p))
    }
    try {
      // Ansible's best forks at this RTT: one cold run per candidate, the fastest wins.
      let best = args.bestForks
      if (!best && args.tools.includes('ansibleBest')) {
        let bestWall = Infinity
        for (const forks of args.forksSweep) {
          await resetStationRoots(fc.fleet, path.join(repo, 'station', 'lab-stubs'))
          const r = await runPhase(fc, { tool: `ansible${forks}`, phase: 'cold', rttMs, rep: 0, home: path.join(work, 'home-sweep'), mode: 'fleet' })
          // A sweep run's time counts only if it left the same files as the others.
          await checkIdentity(fc, { tool: `ansible${forks}`, phase: 'cold', rttMs, rep: 0 }, new Map())
          results.forksSweep.push({ rttMs, forks, wallS: r.m.wallS, valid: r.valid })
          if (r.valid && r.m.wallS < bestWall) {
            bestWall = r.m.wallS
            best = forks
          }
        }
        log(`best Ansible forks at ${rttMs} ms: ${best}`)
      }
      if (best) results.bestForks[String(rttMs)] = best
      for (let rep = 1; rep <= args.reps; rep++) {
        const snapshots = new Map<string, FleetSnapshot>()
        // interleaved, in an order that rotates from one repetition to the next
        const k = (rep - 1) % args.tools.length
        const order = [...args.tools.slice(k), ...args.tools.slice(0, k)]
        for (const tool of order) {
          if (toolKind(tool).kind === 'ansible' && rep > args.ansibleReps) continue
          const home = path.join(work, 'homes', `${rttMs}ms-r${rep}-${tool}`)
          await rm(home, { recursive: true, force: true })
          await writeFleetTarget({ home, fleet: fc.fleet, inventory: args.inventory, viaProxy: rttMs > 0 })
          for (const phase of args.phases) {
            if (phase === 'cold') await resetStationRoots(fc.fleet, path.join(repo, 'station', 'lab-stubs'))
            await runPhase(fc, { tool, ...(tool === 'ansibleBest' && best ? { forks: best } : {}), phase, rttMs, rep, home, mode: 'fleet' })
            if (phase !== 'nochange') await checkIdentity(fc, { tool, phase, rttMs, rep }, snapshots)
          }
        }
        crossCheck(fc, rttMs, rep, snapshots)
      }
    } finally {
      if (proxy) await stopChild(proxy)
    }
    await writeResults(args.out, results)
  }
}

/** The counting pass: a few stations with sshd at LogLevel DEBUG1, every tool and phase once. */
async function countMode(args: Args, results: Results, work: string, runGroup: string): Promise<void> {
  const fc = await prepareFleet(args, results, args.count, { countLogs: true, work, runGroup })
  for (const tool of args.tools) {
    const home = path.join(work, 'homes', `count-${tool}`)
    await writeFleetTarget({ home, fleet: fc.fleet, inventory: args.inventory, viaProxy: false })
    for (const phase of args.phases) {
      if (phase === 'cold') await resetStationRoots(fc.fleet, path.join(repo, 'station', 'lab-stubs'))
      const r = await runPhase(fc, { tool, phase, rttMs: 0, rep: 1, home, mode: 'count' })
      log(`  per station: ${JSON.stringify(r.perStation)}`)
    }
  }
}

// ---------------------------------------------------------------- lab-scale mode

/** The lastmile commands among the tools: push for `lastmile`, rollout for `rollout`. */
function lastmileCommands(tools: readonly ToolName[]): Array<'push' | 'rollout'> {
  return [...new Set(tools.flatMap((t) => {
    const k = toolKind(t)
    return k.kind === 'lastmile' ? [k.command ?? 'push'] : []
  }))]
}

/** The parts of <home>/lab/target.json lab-scale mode reads. */
interface LabTargetFile {
  pid: number
  inventory: string
  stations: Array<{ id: string; host: string; port: number }>
}

/** Running (a zombie waiting for its parent — here often PID 1 — to reap it counts as gone). */
async function pidAlive(pid: number): Promise<boolean> {
  const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return st !== '' && st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z'
}

/** Waits (bounded) until none of `pids()` is running; returns those still running. */
async function settle(pids: () => Promise<number[]>, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const live: number[] = []
    for (const p of await pids()) if (await pidAlive(p)) live.push(p)
    if (live.length === 0 || Date.now() >= deadline) return live
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function labMode(args: Args, results: Results, work: string, runGroup: string): Promise<void> {
  const n = args.labScale!
  const stations = await createCpuGroup(`${runGroup}/lab`)
  cleanups.push(async () => {
    await stations.destroy()
    await stations.remove()
  })
  const tools = args.tools.filter((tool) => {
    if (toolKind(tool).kind === 'lastmile') return true
    log(`lab-scale mode measures lastmile only; skipping ${tool}`)
    return false
  })
  const { inventory: source } = await loadInventoryOrThrow(args.inventory)
  const active = source.stations.filter((s) => s.hasStation).length
  const synthesized = Math.max(0, n - active)
  log(`lab-scale ${n}: ${Math.min(n, active)} inventory station(s)${synthesized ? ` + ${synthesized} synthesized` : ''}; phases ${args.phases.join(' → ')}; RTT ${args.rtt.join(', ')} ms; a fresh lab per RTT, repetition and tool`)
  // The one-file edit: chosen once per run against the first lab's inventory (the same for
  // every lab of this size), then written afresh from each lab's own inventory.
  let oneFile: { variant?: OneFileVariant; skip?: string } | undefined
  let seq = 0
  for (const rttMs of args.rtt) {
    for (let rep = 1; rep <= args.reps; rep++) {
      for (const tool of tools) {
        const kind = toolKind(tool)
        const home = path.join(work, 'homes', `lab${n}-${rttMs}ms-r${rep}-${tool}`)
        await rm(home, { recursive: true, force: true })
        await mkdir(path.join(home, 'lab'), { recursive: true })
        const env = { ...process.env, LASTMILE_HOME: home, NO_COLOR: '1', FORCE_COLOR: '0' }
        const daemon: { pid?: number } = {}
        const down = async (): Promise<void> => {
          const r = await exec(process.execPath, [args.cli, 'lab', 'down'], { env, cwd: repo, timeoutMs: 120_000 })
          if (r.exitCode !== 0) log(`lab down exited ${r.exitCode}: ${(r.stderr + r.stdout).slice(0, 500)}`)
          const pid = daemon.pid
          if (pid !== undefined && (await settle(() => Promise.resolve([pid]), 5000)).length > 0) log(`warning: the lab daemon (pid ${pid}) is still running after lab down`)
        }
        cleanups.push(down)
        // A lab left over from the previous iteration would skew the lab CPU and hold the addresses.
        const leftover = await settle(() => stations.pids(), 5000)
        if (leftover.length > 0) log(`warning: ${leftover.length} process(es) of an earlier lab still in the lab cgroup: ${leftover.join(' ')}`)
        const faults: string[] = []
        if (rttMs > 0) {
          const f = path.join(work, `faults-${rttMs}.yaml`)
          await writeFile(f, `'*': { latencyMs: ${rttMs} }\n`)
          faults.push('--faults', f)
        }
        const port = args.labPort !== undefined ? ['--port', String(args.labPort)] : []
        log(`lab up --stations ${n} (${rttMs} ms RTT, rep ${rep}, for ${tool})`)
        const t0 = Date.now()
        // The lab daemon is started from inside the lab cgroup: its CPU is the stations' CPU.
        const up = await exec('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', stations.procsFile, process.execPath, args.cli, 'lab', 'up', '--stations', String(n), '--inventory', args.inventory, '--json', ...port, ...faults], { env, cwd: repo, timeoutMs: 600_000 })
        if (up.exitCode !== 0) {
          await down()
          cleanups.splice(cleanups.indexOf(down), 1)
          throw new Error(`lab up failed (${up.exitCode}): ${up.stderr.slice(0, 2000)}${up.stdout.slice(0, 2000)}`)
        }
        const upS = (Date.now() - t0) / 1000
        const idle = (await stations.pids()).length
        const target = JSON.parse(await readFile(path.join(home, 'lab', 'target.json'), 'utf8')) as LabTargetFile
        daemon.pid = target.pid
        const ids = target.stations.map((s) => s.id)
        results.notes.push(`lab up --stations ${n} (${rttMs} ms): ${upS.toFixed(1)} s, ${idle} daemon process(es)`)
        log(`  up in ${upS.toFixed(1)} s: ${ids.length} stations (${target.stations[0]?.host}:${target.stations[0]?.port} …), inventory ${path.relative(work, target.inventory) || target.inventory}`)
        // A lab smaller than the inventory: name its stations, or push would count the rest unreachable.
        const stationFlags = ids.length < active ? ids : undefined
        try {
          let variantDir: string | undefined
          if (args.phases.includes('onefile')) {
            if (!oneFile) {
              log(`choosing the one-file edit for ${ids.length} stations (rendering with the build under test)`)
              const found = await findOneFileVariant(await lastmileModules(args), target.inventory, ids, {
                workPrefix: path.join(work, `lab${n}-inventory`),
                home: path.join(work, 'render-home'),
                commands: lastmileCommands(tools),
                log,
              })
              if (found.variant) {
                oneFile = { variant: found.variant }
                results.notes.push(`lab ${n}, one-file phase: ${found.variant.description}: ${found.variant.path} changes on every station${synthesized ? ` (synthesized ones included)` : ''}`)
                log(`one-file phase: ${found.variant.description} → ${found.variant.path}`)
              } else if (synthesized === 0) {
                throw new Error(`no inventory edit changes exactly one file on every station (see bench/lib/variant.ts): ${found.why.join('; ')}`)
              } else {
                oneFile = { skip: `no inventory edit changes exactly one file on every one of the ${ids.length} stations (${synthesized} synthesized): ${found.why.join('; ')}` }
                results.notes.push(`lab ${n}: one-file phase skipped: ${oneFile.skip}`)
              }
            }
            if (oneFile.variant) variantDir = (await writeVariant(target.inventory, path.join(work, 'variants', `lab${n}-${rttMs}ms-r${rep}-${tool}`), oneFile.variant.kind)).dir
          }
          for (const phase of args.phases) {
            if (phase === 'onefile' && !variantDir) {
              log(`lab ${n}: skipping onefile: ${oneFile?.skip ?? 'no variant'}`)
              continue
            }
            const s = ++seq
            const stdoutFile = path.join(work, 'out', `${String(s).padStart(3, '0')}-lab${n}-${rttMs}ms-r${rep}-${tool}-${phase}.log`)
            await mkdir(path.dirname(stdoutFile), { recursive: true })
            log(`lab ${n}, ${rttMs} ms, rep ${rep}: ${tool} ${phase} …`)
            const m = await measure({
              file: process.execPath,
              args: lastmileArgs({ cli: args.cli, command: kind.command ?? 'push', ...(phase === 'onefile' ? { inventory: variantDir } : {}), ...(stationFlags ? { stations: stationFlags } : {}) }),
              env,
              cwd: repo,
              group: `${runGroup}/run-${s}`,
              stations,
              stationIdleProcs: idle,
              stdoutFile,
              timeoutMs: args.timeoutS * 1000,
            })
            const stdout = await readFile(stdoutFile, 'utf8')
            const v = judge('lastmile', phase, ids.length, m.exitCode, stdout.slice(0, stdout.lastIndexOf('}') + 1), oneFile?.variant ? { oneFilePath: oneFile.variant.path } : {})
            const valid = v.valid && !m.timedOut
            const why = m.timedOut ? 'timed out' : v.why
            results.runs.push({ mode: 'lab', size: ids.length, rttMs, rep, tool, phase, valid, ...(why ? { why } : {}), ...(v.lastmile ? { totals: v.lastmile } : {}), m })
            await writeResults(args.out, results)
            log(`  wall ${m.wallS.toFixed(1)} s, controller CPU ${m.controllerCpuS.toFixed(1)} s, lab CPU ${m.stationCpuS.toFixed(1)} s, peak RSS ${m.peakRssMiB.toFixed(0)} MiB / PSS ${m.peakPssMiB.toFixed(0)} MiB, load ${m.loadAvg1Before.toFixed(1)}${valid ? '' : `  INVALID: ${why}`}`)
          }
        } finally {
          await down()
          cleanups.splice(cleanups.indexOf(down), 1)
        }
      }
    }
    await writeResults(args.out, results)
  }
}

// ---------------------------------------------------------------- main

async function writeResults(file: string, results: Results): Promise<void> {
  results.summary = summarize(results.runs)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, JSON.stringify(results, null, 2) + '\n')
}

async function preflight(args: Args): Promise<void> {
  const problems: string[] = []
  if (process.getuid?.() !== 0) problems.push('run as root (sshd on 127.x.y.z:22, cgroups)')
  if (!existsSync('/usr/bin/time')) problems.push('GNU time is missing: apt-get install -y time')
  if (!args.labScale && !existsSync('/usr/sbin/sshd')) problems.push('sshd is missing: apt-get install -y openssh-server')
  if (args.tools.some((t) => t.startsWith('ansible')) && (await exec('ansible-playbook', ['--version'])).notFound) problems.push('ansible-playbook is missing: apt-get install -y ansible-core')
  if (args.tools.some((t) => toolKind(t).kind === 'lastmile') && !existsSync(path.join(repo, 'dist', 'commands', 'push.js')) && args.cli === path.join(repo, 'bin', 'run.js')) problems.push('dist/ is not built: npm run build')
  // Without its manifest oclif imports every command module on every run (about 1 s and 1 s of
  // CPU here): the figures would measure that, not the command. `npm run build` writes it.
  if (args.tools.some((t) => toolKind(t).kind === 'lastmile') && args.cli === path.join(repo, 'bin', 'run.js') && !existsSync(path.join(repo, 'oclif.manifest.json'))) problems.push('oclif.manifest.json is missing (every run would import all commands): npm run build')
  if (problems.length) throw new Error(problems.join('; '))
  if (!cpuacctAvailable()) log('warning: no usable cgroup (v1 cpuacct or v2): CPU figures will be missing, timings and identity checks still work')
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  await preflight(args)
  const work = args.work ?? (await mkdtemp(path.join(os.tmpdir(), 'lastmile-bench-')))
  await mkdir(work, { recursive: true })
  // The stations' user (lmbench) must reach its authorized_keys and its root below here.
  await chmod(work, 0o755)
  const inventoryShown = path.relative(repo, args.inventory)
  if (!args.noSnapshot && args.cli === path.join(repo, 'bin', 'run.js')) {
    args.cli = await snapshotCli(work)
    // The inventory of the same moment too (it is in the copy): the working tree's may already
    // use settings the frozen build does not know yet.
    if (!inventoryShown.startsWith('..')) args.inventory = path.join(path.dirname(path.dirname(args.cli)), inventoryShown)
  }
  const runGroup = `lmbench-${process.pid}`
  cleanups.push(() => removeCpuGroupDir(runGroup))
  if (!args.keep && !args.work) cleanups.push(() => rm(work, { recursive: true, force: true }))
  const results: Results = {
    format: 1,
    startedAt: new Date().toISOString(),
    command: `npx tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: await machineInfo(),
    config: { ...args, out: path.relative(repo, args.out), inventory: inventoryShown, cli: args.cli.startsWith(work) ? 'bin/run.js (a copy of the built CLI taken at the start)' : path.relative(repo, args.cli), work: undefined, git: await gitState() },
    runs: [],
    forksSweep: [],
    bestForks: {},
    identity: [],
    summary: [],
    notes: [],
  }
  log(`work dir ${work}; results → ${path.relative(process.cwd(), args.out)}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  try {
    if (args.labScale) await labMode(args, results, work, runGroup)
    else if (args.count) await countMode(args, results, work, runGroup)
    else await fleetMode(args, results, work, runGroup)
  } finally {
    results.finishedAt = new Date().toISOString()
    results.machine.loadAvgAtEnd = os.loadavg()
    await writeResults(args.out, results).catch((err: unknown) => log(`could not write results: ${(err as Error).message}`))
    await cleanupAll()
  }
  const bad = results.identity.filter((i) => !i.identical)
  const invalid = results.runs.filter((r) => !r.valid)
  log(`done: ${results.runs.length} runs (${invalid.length} invalid), identity ${bad.length === 0 ? 'identical everywhere' : `${bad.length} MISMATCHES`}; ${path.relative(process.cwd(), args.out)}`)
  if (bad.length > 0) process.exitCode = 1
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(async (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`)
    await cleanupAll()
    process.exit(1)
  })
}
