import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ParsedKey } from 'ssh2'
import type { LabStation, LabTarget } from './target.js'
import { faultsFor, parseFaults, type FaultRule, type StationFaults } from './faults.js'
import { parseAuthorizedKeys, parseOneKey } from './keys.js'
import { applyStationFaults } from './layout.js'
import type { LabLog } from './log.js'
import { labFiles, stationsDir, type LabPlan, type LabPlanStation } from './plan.js'
import { killStationProcesses } from './procs.js'
import { StationEndpoint } from './station-endpoint.js'

/*
 * The lab daemon: one process hosting every station's endpoint. It is started
 * detached by `lab up` and stopped by `lab down` (SIGTERM). It writes
 * target.json only once every listener is up, so a reader of target.json can
 * connect to every station in it.
 */

/** A file that changes rarely and is read on hot paths: re-read only when its inode, size or mtime changed. */
class WatchedFile {
  private sig = ''
  constructor(readonly file: string) {}
  /** The new text if the file changed since the last call ('' when it does not exist), else undefined. */
  changed(): string | undefined {
    let sig: string
    try {
      const st = statSync(this.file)
      sig = `${st.ino}:${st.size}:${st.mtimeMs}`
    } catch {
      sig = 'absent'
    }
    if (sig === this.sig) return undefined
    this.sig = sig
    if (sig === 'absent') return ''
    try {
      return readFileSync(this.file, 'utf8')
    } catch {
      return ''
    }
  }
}

/** The faults in force, re-read from faults.yaml when it changes (a bad edit keeps the previous faults). */
export class FaultState {
  private readonly watched: WatchedFile
  private rules: FaultRule[] = []
  private generation = 0
  private readonly cache = new Map<string, { gen: number; faults: StationFaults }>()

  constructor(
    file: string,
    private readonly log: LabLog,
  ) {
    this.watched = new WatchedFile(file)
  }

  /** Re-reads the file if it changed; true when the rules changed. */
  refresh(): boolean {
    const text = this.watched.changed()
    if (text === undefined) return false
    const { rules, problems } = parseFaults(text, this.watched.file)
    if (problems.length > 0) {
      this.log.error(`${this.watched.file}: ${problems.map((p) => `${p.position ? `line ${p.position.line}: ` : ''}${p.message}`).join('; ')} (keeping the previous faults)`)
      return false
    }
    this.rules = rules
    this.generation++
    this.log.info(`faults: ${rules.length === 0 ? 'none' : rules.map((r) => r.selector).join(', ')}`)
    return true
  }

  forStation(st: LabPlanStation): StationFaults {
    this.refresh()
    const hit = this.cache.get(st.id)
    if (hit && hit.gen === this.generation) return hit.faults
    const faults = faultsFor(this.rules, st)
    this.cache.set(st.id, { gen: this.generation, faults })
    return faults
  }

  get currentRules(): FaultRule[] {
    return this.rules
  }
}

/** The keys stations accept: the operator key plus <home>/lab/authorized_keys (re-read when it changes). */
export class KeyState {
  private readonly extras: WatchedFile
  private keys: ParsedKey[]

  constructor(
    private readonly operator: ParsedKey,
    extrasFile: string,
    private readonly log: LabLog,
  ) {
    this.extras = new WatchedFile(extrasFile)
    this.keys = [operator]
  }

  current(): ParsedKey[] {
    const text = this.extras.changed()
    if (text !== undefined) {
      const { keys, problems } = parseAuthorizedKeys(text, this.extras.file)
      for (const p of problems) this.log.error(p)
      this.keys = [this.operator, ...keys]
    }
    return this.keys
  }
}

export interface DaemonOptions {
  log: LabLog
  pid?: number
  now?: () => Date
  /** Stations listening at once while starting (bounded). */
  listenBatch?: number
}

export class LabDaemon {
  readonly endpoints: StationEndpoint[] = []
  readonly faults: FaultState
  private readonly files: ReturnType<typeof labFiles>
  private watcher: FSWatcher | undefined
  private poll: NodeJS.Timeout | undefined
  private applied = new Map<string, string>()
  private applying: Promise<void> = Promise.resolve()
  private stopping = false

  constructor(
    readonly plan: LabPlan,
    private readonly opts: DaemonOptions,
  ) {
    this.files = labFiles(plan.labDir)
    this.faults = new FaultState(plan.faultsFile, opts.log)
  }

  async start(): Promise<LabTarget> {
    const { plan, opts } = this
    const log = opts.log
    const started = Date.now()
    const operator = parseOneKey(await readFile(plan.operatorKeyFile, 'utf8'), plan.operatorKeyFile)
    const keys = new KeyState(operator, plan.extraAuthorizedKeysFile, log)
    this.faults.refresh()
    const hostPath = [...(plan.shell.busyboxApplets ? [this.files.busybox] : []), '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':')
    const ctx = { plan, log, faults: (st: LabPlanStation) => this.faults.forStation(st), authorizedKeys: () => keys.current(), hostPath }
    for (const st of plan.stations) this.endpoints.push(new StationEndpoint(st, ctx))

    const stations: LabStation[] = []
    const batch = opts.listenBatch ?? 200
    for (let i = 0; i < this.endpoints.length; i += batch) {
      const slice = this.endpoints.slice(i, i + batch)
      const up = await Promise.all(slice.map((e) => e.listen(plan.port)))
      slice.forEach((e, j) => {
        const st = e.station
        const r = up[j] as { port: number; fingerprint: string }
        stations.push({
          id: st.id,
          host: st.host,
          port: r.port,
          user: 'root',
          hostKey: r.fingerprint,
          root: st.root,
          name: st.name,
          town: st.town,
          managementAddress: st.managementAddress,
          ...(st.synthetic ? { synthetic: true } : {}),
        })
      })
    }
    log.info(`${stations.length} stations listening (${Date.now() - started} ms)`)

    await this.bootStationsWithPendingWork()
    this.watchFaults()

    const target: LabTarget = {
      version: 1,
      pid: opts.pid ?? process.pid,
      startedAt: (opts.now ?? (() => new Date()))().toISOString(),
      inventory: plan.inventory,
      operatorKey: plan.operatorKeyFile,
      stations,
      labDir: plan.labDir,
      shell: plan.shell.name,
      faultsFile: plan.faultsFile,
      logFile: this.files.log,
    }
    // For people using plain OpenSSH (`ssh -o UserKnownHostsFile=…`); lastmile itself pins from target.json.
    const knownHosts = this.endpoints.map((e, i) => `[${e.station.host}]:${stations[i]?.port} ${e.hostPublicKeyLine ?? ''}`).join('\n')
    await writeFile(path.join(plan.labDir, 'openssh_known_hosts'), knownHosts + '\n')
    const tmp = `${this.files.target}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(target, null, 2) + '\n', { mode: 0o644 })
    await rename(tmp, this.files.target)
    log.info(`ready: ${this.files.target} (${Date.now() - started} ms after start)`)
    return target
  }

  /**
   * `lab up` is a power-on: a station that went down with an apply pending (or
   * a lock held) runs its boot hook, which rolls the apply back, as it would on
   * a real station. Others skip it, so 1,000 stations start fast.
   */
  private async bootStationsWithPendingWork(): Promise<void> {
    const todo: StationEndpoint[] = []
    for (const e of this.endpoints) {
      const state = path.join(e.station.root, 'etc/lastmile/state')
      const pending = await stat(path.join(state, 'pending')).then(() => true, () => false)
      const lock = await stat(path.join(state, 'lock')).then(() => true, () => false)
      if (pending || lock) todo.push(e)
    }
    for (let i = 0; i < todo.length; i += 8) await Promise.all(todo.slice(i, i + 8).map((e) => e.runBootHook()))
  }

  private watchFaults(): void {
    const onChange = (): void => {
      if (this.stopping) return
      this.applying = this.applying.then(() => this.applyStationFaults()).catch((err) => this.opts.log.error(`faults: ${(err as Error).message}`))
    }
    try {
      this.watcher = watch(this.plan.labDir, (_event, name) => {
        if (name === null || String(name).startsWith('faults.yaml')) onChange()
      })
      this.watcher.on('error', () => undefined)
    } catch {
      // fs.watch is unavailable on some file systems: the poll below still works.
    }
    this.poll = setInterval(onChange, 2000)
    onChange()
  }

  /** Files under each station root that a fault controls (df stub, fail-*, USB, WAN operstate), for stations whose faults changed. */
  async applyStationFaults(): Promise<void> {
    this.faults.refresh()
    for (const e of this.endpoints) {
      const f = this.faults.forStation(e.station)
      const key = JSON.stringify({ diskFull: f.diskFull, failReload: f.failReload, unplug: f.unplug, wanDown: f.wanDown })
      if (this.applied.get(e.station.id) === key) continue
      await applyStationFaults(e.station, f)
      this.applied.set(e.station.id, key)
      // The writes are synchronous: let connections in between stations.
      await new Promise((r) => setImmediate(r))
    }
  }

  endpoint(id: string): StationEndpoint | undefined {
    return this.endpoints.find((e) => e.station.id === id)
  }

  /** Closes every listener and connection, kills every station process, removes target.json. */
  async stop(): Promise<{ killed: number }> {
    this.stopping = true
    this.watcher?.close()
    if (this.poll) clearInterval(this.poll)
    await Promise.all(this.endpoints.map((e) => e.close()))
    const killed = await killStationProcesses(stationsDir(this.plan.labDir), 'under')
    await rm(this.files.target, { force: true })
    return { killed }
  }
}
