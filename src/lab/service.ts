import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { LockedError, UsageError } from '../cli/errors.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import { lastmileHome, statePaths } from '../state/paths.js'
import { run } from '../util/exec.js'
import {
  activeFaults,
  clearRule,
  describeFaults,
  faultKeys,
  faultsFor,
  loadFaultsFile,
  matchesSelector,
  parseAssignments,
  parseFaults,
  serializeFaults,
  setRule,
  type FaultRule,
  type StationFaults,
} from './faults.js'
import { loadOrCreateKey } from './keys.js'
import { isOurDaemon, spawnDaemon, waitForTarget } from './launch.js'
import { applyStationFaults, buildStationRoot } from './layout.js'
import { buildPlan, labFiles, stationsDir, type LabPlan, type LabPlanStation } from './plan.js'
import { killStationProcesses, pidAlive, rssKb, signalAll } from './procs.js'
import { resolveShell, safeApplets, type ShellName } from './shell.js'
import { writeSyntheticInventory } from './synthetic.js'
import type { LabTarget } from './target.js'

/*
 * The lab as a service: what `lab up/down/status` and `lab fault set/clear`
 * call, and what tests and bench/ use directly. Each function takes an options
 * object and returns plain data.
 */

export const DEFAULT_LAB_PORT = 2222

export interface StartLabOptions {
  /** LASTMILE_HOME (default: lastmileHome()). */
  home?: string
  inventoryDir: string
  /** First N active stations; more than the inventory has → synthesize the rest. */
  stations?: number
  faultsFile?: string
  /** Port for every station (default 2222); 0 = a free port per station (labs side by side, tests). */
  port?: number
  shell?: ShellName
  /** Install the agent in each station's usr/sbin (tests); normally the controller installs it. */
  preinstallAgent?: boolean
  /** How long to wait for every listener (default 30 s + 20 ms per station). */
  readyTimeoutMs?: number
  maxSessionsPerStation?: number
  /** Environment of the daemon process (default: this process's). */
  env?: NodeJS.ProcessEnv
}

export interface LabSummary {
  pid: number
  labDir: string
  targetFile: string
  logFile: string
  operatorKey: string
  inventory: string
  shell: string
  stations: number
  synthesized: number
  /** First and last station address, and the port (0 → each station has its own, see target.json). */
  addresses: { first: string; last: string; port: number | 'per-station' }
  rssKb?: number
  faults: Array<{ selector: string; faults: string }>
}

export interface StartLabResult extends LabSummary {
  /** A lab with the same settings was already running and was kept. */
  reused: boolean
  startupMs?: number
}

function homeOf(opts: { home?: string }): string {
  return opts.home ?? lastmileHome()
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

/** The recorded daemon pid (target.json, else daemon.pid) and whether it is our live daemon. */
async function daemonState(labDir: string): Promise<{ pid?: number; running: boolean; foreign: boolean; target?: LabTarget; plan?: LabPlan }> {
  const files = labFiles(labDir)
  const target = await readJson<LabTarget>(files.target)
  const plan = await readJson<LabPlan>(files.plan)
  let pid = target?.pid
  if (pid === undefined) {
    const text = await readFile(files.pid, 'utf8').catch(() => '')
    pid = Number(text.trim()) || undefined
  }
  if (pid === undefined) return { running: false, foreign: false, ...(plan ? { plan } : {}) }
  const alive = await pidAlive(pid)
  const ours = alive && (await isOurDaemon(pid, labDir))
  return { pid, running: ours, foreign: alive && !ours, ...(target ? { target } : {}), ...(plan ? { plan } : {}) }
}

function summarize(plan: LabPlan, target: LabTarget, rules: FaultRule[], rss: number | undefined): LabSummary {
  const files = labFiles(plan.labDir)
  const first = target.stations[0]
  const last = target.stations[target.stations.length - 1]
  return {
    pid: target.pid,
    labDir: plan.labDir,
    targetFile: files.target,
    logFile: files.log,
    operatorKey: target.operatorKey,
    inventory: plan.inventory,
    shell: plan.shell.name,
    stations: target.stations.length,
    synthesized: plan.synthesized,
    addresses: { first: first?.host ?? '', last: last?.host ?? '', port: plan.port === 0 ? 'per-station' : plan.port },
    ...(rss === undefined ? {} : { rssKb: rss }),
    faults: rules.map((r) => ({ selector: r.selector, faults: describeFaults(r.faults) || '(none)' })),
  }
}

async function readRules(file: string): Promise<FaultRule[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  const { rules, problems } = parseFaults(text, file)
  if (problems.length > 0) throw new UsageError(`${file} is not a valid faults file: ${problems[0]?.message ?? ''}`, 'Fix it by hand or remove it and set faults again with `lastmile lab fault set`.')
  return rules
}

async function writeAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode })
  await rename(tmp, file)
}

/** One `lab up` at a time per LASTMILE_HOME. */
async function withUpLock<T>(labDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = labFiles(labDir).lock
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' })
      try {
        return await fn()
      } finally {
        await rm(lock, { force: true })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim())
      if (holder && holder !== process.pid && (await pidAlive(holder))) {
        throw new LockedError(`another \`lastmile lab up\` (pid ${holder}) is starting this lab right now`, 'Wait for it to finish, then run `lastmile lab status`.')
      }
      await rm(lock, { force: true })
    }
  }
  throw new LockedError(`cannot take the lab lock ${lock}`, `Remove ${lock} if no \`lab up\` is running.`)
}

/** Links the safe busybox applets into <labDir>/busybox (on the stations' PATH before the host's tools). */
async function linkBusyboxApplets(dir: string, busybox: string): Promise<void> {
  const r = await run(busybox, ['--list'])
  const available = new Set(r.stdout.split('\n').map((s) => s.trim()))
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  for (const applet of safeApplets) if (available.has(applet)) await symlink(busybox, path.join(dir, applet))
}

/** Runs `fn` over items, at most `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(fn))
}

function sameSettings(plan: LabPlan, opts: StartLabOptions, inventoryDir: string, shell: string): boolean {
  const wanted = opts.stations ?? plan.stations.length - plan.synthesized
  return plan.sourceInventory === inventoryDir && plan.stations.length === wanted && plan.port === (opts.port ?? DEFAULT_LAB_PORT) && plan.shell.name === shell && plan.preinstallAgent === Boolean(opts.preinstallAgent) && !opts.faultsFile
}

/**
 * `lab up`: lays out the station roots, starts the daemon and waits until every
 * station listens (target.json written). A lab already running with the same
 * settings is kept; with other settings it is an error (stop it first).
 */
export async function startLab(opts: StartLabOptions): Promise<StartLabResult> {
  const home = homeOf(opts)
  const labDir = statePaths.lab(home)
  const files = labFiles(labDir)
  const inventoryDir = path.resolve(opts.inventoryDir)
  await mkdir(labDir, { recursive: true })
  return withUpLock(labDir, async () => {
    const shell = resolveShell(opts.shell)
    const state = await daemonState(labDir)
    if (state.running && state.pid !== undefined) {
      const target = state.target ?? (await readJson<LabTarget>(files.target))
      if (state.plan && target && sameSettings(state.plan, opts, inventoryDir, shell.name)) {
        return { ...summarize(state.plan, target, await readRules(files.faults), await rssKb(state.pid)), reused: true }
      }
      throw new UsageError(
        `a lab is already running (pid ${state.pid}${state.plan ? `, ${state.plan.stations.length} stations from ${state.plan.sourceInventory}` : ''}) with other settings`,
        'Stop it first with `lastmile lab down`, then run `lastmile lab up` again.',
      )
    }
    // Whatever an earlier lab left behind (it crashed, or was killed): its station processes and records.
    await killStationProcesses(stationsDir(labDir), 'under')
    await rm(files.target, { force: true })
    await rm(files.pid, { force: true })

    const started = Date.now()
    const { inventory } = await loadInventoryOrThrow(inventoryDir)
    let plan: LabPlan
    try {
      plan = buildPlan(inventory, { labDir, inventoryDir, stations: opts.stations, port: opts.port ?? DEFAULT_LAB_PORT, shell, preinstallAgent: Boolean(opts.preinstallAgent), maxSessionsPerStation: opts.maxSessionsPerStation })
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message, 'Pass --stations between 1 and 10000, and an inventory with at least one active station.')
      throw err
    }

    let rules: FaultRule[] = []
    if (opts.faultsFile) rules = await loadFaultsFile(opts.faultsFile, plan.stations)
    await writeAtomic(files.faults, serializeFaults(rules))

    await loadOrCreateKey(files.operatorKey, 'lastmile-lab-operator')
    const extras = await readFile(files.extraAuthorizedKeys, 'utf8').catch(() => '')
    const operatorLine = (await readFile(`${files.operatorKey}.pub`, 'utf8').catch(() => '')).trim()
    const authorizedKeys = [operatorLine, extras.trim()].filter(Boolean).join('\n') + '\n'
    if (shell.busyboxApplets) await linkBusyboxApplets(files.busybox, shell.file)

    await mkdir(stationsDir(labDir), { recursive: true })
    await inBatches(plan.stations, 16, async (st) => {
      await mkdir(path.join(st.root, 'lab'), { recursive: true })
      await loadOrCreateKey(path.join(st.root, 'lab', 'host_ed25519'), `station-${st.id}`)
      await loadOrCreateKey(path.join(st.root, 'lab', 'host_ed25519.changed'), `station-${st.id}-changed`)
      await buildStationRoot(st, { authorizedKeys, preinstallAgent: plan.preinstallAgent, faults: faultsFor(rules, st) })
    })
    await writeSyntheticInventory(inventory, plan)
    await writeAtomic(files.plan, JSON.stringify(plan, null, 1) + '\n')

    const daemon = spawnDaemon(labDir, opts.env)
    let target: LabTarget
    try {
      target = await waitForTarget(labDir, daemon, opts.readyTimeoutMs ?? 30_000 + 20 * plan.stations.length)
    } catch (err) {
      // Not up in time (or it died): leave nothing half-started behind.
      signalAll([daemon.pid], 'SIGKILL')
      try {
        process.kill(-daemon.pid, 'SIGKILL')
      } catch {
        // group already empty
      }
      await killStationProcesses(stationsDir(labDir), 'under')
      await rm(files.target, { force: true })
      await rm(files.pid, { force: true })
      throw err
    }
    return { ...summarize(plan, target, rules, await rssKb(daemon.pid)), reused: false, startupMs: Date.now() - started }
  })
}

export interface StopLabOptions {
  home?: string
  /** Also remove <home>/lab (station roots, keys, logs). */
  purge?: boolean
  /** How long to wait for the daemon after SIGTERM before SIGKILL (default 10 s). */
  graceMs?: number
}

export interface StopLabResult {
  /** A lab daemon was running and has been stopped. */
  stopped: boolean
  pid?: number
  /** Station processes (agent watchdogs, commands) still running that were killed. */
  killedStationProcesses: number
  purged: boolean
  warnings: string[]
}

/** `lab down`: stops exactly the recorded daemon and every process its stations started. */
export async function stopLab(opts: StopLabOptions = {}): Promise<StopLabResult> {
  const home = homeOf(opts)
  const labDir = statePaths.lab(home)
  const files = labFiles(labDir)
  const warnings: string[] = []
  const state = await daemonState(labDir)
  let stopped = false
  if (state.pid !== undefined && state.foreign) {
    warnings.push(`pid ${state.pid} recorded for the lab is now another program (the lab daemon died earlier); it was left alone`)
  }
  if (state.running && state.pid !== undefined) {
    const pid = state.pid
    signalAll([pid], 'SIGTERM')
    const deadline = Date.now() + (opts.graceMs ?? 10_000)
    while (Date.now() < deadline && (await pidAlive(pid))) await new Promise((r) => setTimeout(r, 50))
    if (await pidAlive(pid)) {
      warnings.push(`the lab daemon (pid ${pid}) did not stop within ${Math.round((opts.graceMs ?? 10_000) / 1000)} s of SIGTERM and was killed`)
      signalAll([pid], 'SIGKILL')
    }
    // The daemon leads its own process group (spawned detached): whatever is left in it is ours.
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // group empty
    }
    stopped = true
  }
  const killed = existsSync(stationsDir(labDir)) ? await killStationProcesses(stationsDir(labDir), 'under') : 0
  await rm(files.target, { force: true })
  await rm(files.pid, { force: true })
  await rm(files.faults, { force: true })
  let purged = false
  if (opts.purge && path.basename(labDir) === 'lab' && existsSync(labDir)) {
    await rm(labDir, { recursive: true, force: true })
    purged = true
  }
  return { stopped, ...(state.pid !== undefined ? { pid: state.pid } : {}), killedStationProcesses: killed, purged, warnings }
}

export interface StationStatus {
  id: string
  name: string
  town: string
  host: string
  port: number
  /** Unconfirmed applies waiting on this station (etc/lastmile/state/pending): 0 or 1. */
  pending: number
  /** The agent's network reload cut the management path (lab/link-down). */
  linkDown: boolean
  agentInstalled: boolean
  faults: string
}

export interface LabStatusResult {
  running: boolean
  /** target.json or daemon.pid name a daemon that is gone. */
  stale: boolean
  pid?: number
  rssKb?: number
  labDir: string
  stations: number
  synthesized: number
  startedAt?: string
  inventory?: string
  shell?: string
  pendingApplies: number
  linkDown: number
  faults: Array<{ selector: string; faults: string }>
  perStation: StationStatus[]
}

async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}

/** `lab status`: is it running, its memory, its faults, and per station what is pending or cut. */
export async function labStatus(opts: { home?: string } = {}): Promise<LabStatusResult> {
  const home = homeOf(opts)
  const labDir = statePaths.lab(home)
  const files = labFiles(labDir)
  const state = await daemonState(labDir)
  const plan = state.plan
  const target = state.target
  const rules = await readRules(files.faults).catch(() => [] as FaultRule[])
  const ports = new Map((target?.stations ?? []).map((s) => [s.id, s.port]))
  const perStation: StationStatus[] = []
  for (const st of state.running ? (plan?.stations ?? []) : []) {
    perStation.push({
      id: st.id,
      name: st.name,
      town: st.town.slug,
      host: st.host,
      port: ports.get(st.id) ?? plan?.port ?? 0,
      pending: (await fileExists(path.join(st.root, 'etc/lastmile/state/pending'))) ? 1 : 0,
      linkDown: await fileExists(path.join(st.root, 'lab/link-down')),
      agentInstalled: await fileExists(path.join(st.root, 'usr/sbin/lastmile-station')),
      faults: describeFaults(faultsFor(rules, st)),
    })
  }
  const rss = state.running && state.pid !== undefined ? await rssKb(state.pid) : undefined
  return {
    running: state.running,
    stale: !state.running && state.pid !== undefined,
    ...(state.pid !== undefined ? { pid: state.pid } : {}),
    ...(rss === undefined ? {} : { rssKb: rss }),
    labDir,
    stations: state.running ? (target?.stations.length ?? plan?.stations.length ?? 0) : 0,
    synthesized: state.running ? (plan?.synthesized ?? 0) : 0,
    ...(target ? { startedAt: target.startedAt, inventory: target.inventory } : {}),
    ...(plan ? { shell: plan.shell.name } : {}),
    pendingApplies: perStation.reduce((n, s) => n + s.pending, 0),
    linkDown: perStation.filter((s) => s.linkDown).length,
    faults: state.running ? rules.map((r) => ({ selector: r.selector, faults: describeFaults(r.faults) || '(none)' })) : [],
    perStation,
  }
}

async function runningPlan(home: string): Promise<LabPlan> {
  const labDir = statePaths.lab(home)
  const state = await daemonState(labDir)
  if (!state.running || !state.plan) {
    throw new UsageError('no lab is running', 'Start one with `lastmile lab up` (faults can also be given at start: `lastmile lab up --faults FILE`).')
  }
  return state.plan
}

function stationsMatching(plan: LabPlan, selector: string): LabPlanStation[] {
  const hits = plan.stations.filter((s) => matchesSelector(selector, s))
  if (hits.length === 0) {
    const towns = [...new Map(plan.stations.map((s) => [s.town.code, `${s.town.slug} (${s.town.code} ${s.town.name})`])).values()]
    throw new UsageError(`'${selector}' is no station or town of this lab`, `Use a 12-digit station id, a town (${towns.slice(0, 10).join(', ')}${towns.length > 10 ? ', …' : ''}) or '*'.`)
  }
  return hits
}

export interface FaultChangeResult {
  selector: string
  /** Stations the selector matches. */
  stations: number
  /** The selector's own settings after the change (empty when cleared). */
  faults: StationFaults
  /** Every rule now in force. */
  rules: Array<{ selector: string; faults: string }>
}

async function changeFaults(home: string, selector: string, change: (rules: FaultRule[]) => FaultRule[]): Promise<FaultChangeResult> {
  const plan = await runningPlan(home)
  const hits = selector === '*' ? plan.stations : stationsMatching(plan, selector)
  const file = plan.faultsFile
  const rules = change(await readRules(file))
  await writeAtomic(file, serializeFaults(rules))
  // Station-side faults are in force when this returns; connection faults apply to the next connection.
  await inBatches(hits, 16, (st) => applyStationFaults(st, faultsFor(rules, st)))
  return {
    selector,
    stations: hits.length,
    faults: activeFaults(rules.find((r) => r.selector === selector)?.faults ?? {}),
    rules: rules.map((r) => ({ selector: r.selector, faults: describeFaults(r.faults) || '(none)' })),
  }
}

/** `lab fault set <selector> key=value…` */
export async function setLabFault(opts: { home?: string; selector: string; assignments: string[] }): Promise<FaultChangeResult> {
  if (opts.assignments.length === 0) throw new UsageError('no fault given', `Add key=value pairs, e.g. latencyMs=200 unreachable=true. Faults: ${faultKeys.join(', ')}`)
  const faults = parseAssignments(opts.assignments)
  return changeFaults(homeOf(opts), opts.selector, (rules) => setRule(rules, opts.selector, faults))
}

/** `lab fault clear <selector> [key…]` (no keys: the selector's whole entry); `--all`: every fault. */
export async function clearLabFault(opts: { home?: string; selector?: string; keys?: string[]; all?: boolean }): Promise<FaultChangeResult> {
  const keys = opts.keys ?? []
  const unknown = keys.filter((k) => !(faultKeys as string[]).includes(k))
  if (unknown.length > 0) throw new UsageError(`unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, `Faults: ${faultKeys.join(', ')}`)
  if (opts.all) return changeFaults(homeOf(opts), '*', () => [])
  if (!opts.selector) throw new UsageError('say which faults to clear', 'Name a station, town or *, or pass --all.')
  const selector = opts.selector
  return changeFaults(homeOf(opts), selector, (rules) => clearRule(rules, selector, keys))
}
