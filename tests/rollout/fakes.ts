import type { AgentApplyResult, AgentProbe, AgentSession, AppliedRecorder, DesiredConfig, RolloutFile, StationConnector } from '../../src/rollout/ports.js'
import type { JournalEventBody } from '../../src/rollout/journal.js'
import { createHash } from 'node:crypto'

/** A clock the test owns: sleep advances it (and fires station watchdogs). */
export class FakeClock {
  t = Date.UTC(2025, 10, 29, 2, 0, 0)
  private listeners: Array<() => void> = []
  now = (): number => this.t
  sleep = async (ms: number): Promise<void> => {
    this.t += ms
    for (const l of this.listeners) l()
  }
  onTick(l: () => void): void {
    this.listeners.push(l)
  }
}

export function agentError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { agentCode: code, ...extra })
}

export function sshError(kind: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { kind, ...extra })
}

export interface FakeStationBehaviour {
  /** Connection attempts that fail as unreachable before one succeeds. */
  unreachableFor?: number
  /** Always unreachable. */
  down?: boolean
  /** The agent's reload fails: it rolls back itself and reports reload-failed. */
  reloadFails?: boolean
  /** The apply's reload cuts the link until the watchdog rolls back. */
  cutsLink?: boolean
  /** The link dies mid-apply exec (after the agent applied). */
  dropDuringApply?: boolean
  /** Agent not installed yet. */
  noAgent?: boolean
  authFails?: boolean
}

/** One simulated station agent, with the protocol's semantics (pending, watchdog, confirm, rollback). */
export class FakeStation {
  files: Record<string, string | null> = {}
  appliedId: string | null = null
  pending: { id: string; deadline: number } | null = null
  lastRollback: { id: string; at: number; reason: string } | null = null
  linkDown = false
  agentInstalled: boolean
  execs: string[] = []
  connects = 0
  applies: string[] = []
  /** the MANIFEST lines of every apply */
  manifests: string[][] = []
  private backup: Record<string, string | null> = {}
  private pendingFiles: Record<string, string | null> = {}

  constructor(
    readonly id: string,
    private readonly clock: FakeClock,
    public behaviour: FakeStationBehaviour = {},
  ) {
    this.agentInstalled = !behaviour.noAgent
    clock.onTick(() => this.watchdog())
  }

  private watchdog(): void {
    if (this.pending && this.clock.now() / 1000 >= this.pending.deadline) {
      this.restore('watchdog')
    }
  }

  private restore(reason: string): void {
    if (!this.pending) return
    this.files = { ...this.backup }
    this.lastRollback = { id: this.pending.id, at: Math.floor(this.clock.now() / 1000), reason }
    this.pending = null
    this.linkDown = false
  }

  connect(): AgentSession {
    this.connects++
    const b = this.behaviour
    if (b.down || this.linkDown) throw sshError('unreachable', `station ${this.id} is unreachable: ECONNREFUSED`)
    if (b.unreachableFor && b.unreachableFor > 0) {
      b.unreachableFor--
      throw sshError('unreachable', `station ${this.id} is unreachable: ETIMEDOUT`)
    }
    if (b.authFails) throw sshError('auth', 'all authentication methods failed')
    let alive = true
    const exec = (verb: string): void => {
      if (!alive || this.linkDown) throw sshError('unreachable', 'connection lost', { phase: 'exec', inDoubt: true })
      this.execs.push(verb)
    }
    const s: AgentSession = {
      probe: async (paths): Promise<AgentProbe> => {
        exec('probe')
        if (!this.agentInstalled) throw Object.assign(new Error('lastmile-station: not found'), { kind: 'command-failed', status: 127 })
        // Like the agent: the confirmed (managed) files plus the paths asked for.
        const files: Record<string, string | null> = {}
        for (const [p, h] of Object.entries(this.files)) if (h !== null) files[p] = h
        for (const p of paths) files[p] = this.files[p] ?? null
        return { appliedId: this.appliedId, pending: this.pending, files, lastRollback: this.lastRollback }
      },
      inspect: async (paths): Promise<AgentProbe | null> => {
        exec('inspect')
        if (!this.agentInstalled) return null
        const files: Record<string, string | null> = {}
        for (const [p, h] of Object.entries(this.files)) if (h !== null) files[p] = h
        for (const p of paths) files[p] = this.files[p] ?? null
        return { appliedId: this.appliedId, pending: this.pending, files, lastRollback: this.lastRollback }
      },
      ensureAgent: async () => {
        exec('install')
        this.agentInstalled = true
      },
      apply: async (id, within, manifest, changed: RolloutFile[]): Promise<AgentApplyResult> => {
        exec('apply')
        this.manifests.push(manifest)
        if (this.pending) throw agentError('pending', `apply ${this.pending.id} is pending`)
        const removals = manifest.filter((l) => l.startsWith('- - ')).map((l) => l.split(' ')[3] ?? '')
        if (changed.length === 0 && removals.length === 0) {
          this.appliedId = id
          return { noop: true, changed: [], pending: null }
        }
        this.applies.push(id)
        this.backup = { ...this.files }
        for (const f of changed) this.files[f.path] = f.sha256
        for (const r of removals) delete this.files[r]
        this.pendingFiles = { ...this.files }
        const deadline = Math.floor(this.clock.now() / 1000) + within
        this.pending = { id, deadline }
        if (this.behaviour.reloadFails) {
          this.restore('reload-failed')
          throw agentError('reload-failed', "'/etc/init.d/network reload' exited with status 1", { rolledBack: true })
        }
        if (this.behaviour.cutsLink) this.linkDown = true
        if (this.behaviour.dropDuringApply) {
          alive = false
          throw sshError('unreachable', 'connection lost while running apply', { phase: 'exec', inDoubt: true })
        }
        return { noop: false, changed: changed.map((f) => f.path), pending: { id, deadline } }
      },
      confirm: async (id) => {
        exec('confirm')
        if (!this.pending) {
          if (this.appliedId === id) return { already: true }
          throw agentError('not-pending', 'nothing is pending')
        }
        if (this.pending.id !== id) throw agentError('id-mismatch', 'other id pending')
        this.appliedId = id
        this.pending = null
        void this.pendingFiles
        return { already: false }
      },
      rollback: async () => {
        exec('rollback')
        this.restore('manual')
      },
      health: async () => {
        exec('health')
        return { ok: true, pending: this.pending, drift: [] }
      },
      close: async () => {
        alive = false
      },
    }
    return s
  }
}

export class FakeFleet implements StationConnector {
  stations = new Map<string, FakeStation>()
  constructor(readonly clock: FakeClock) {}
  add(id: string, b: FakeStationBehaviour = {}): FakeStation {
    const s = new FakeStation(id, this.clock, b)
    this.stations.set(id, s)
    return s
  }
  get(id: string): FakeStation {
    const s = this.stations.get(id)
    if (!s) throw new Error(`no fake station ${id}`)
    return s
  }
  async connect(id: string): Promise<AgentSession> {
    return this.get(id).connect()
  }
}

export function desiredFor(stationId: string, version = 'v1', paths = ['/etc/config/network', '/etc/config/wireless']): DesiredConfig {
  const files: RolloutFile[] = paths.map((p) => {
    const content = Buffer.from(`${stationId} ${p} ${version}\n`)
    const sha256 = createHash('sha256').update(content).digest('hex')
    return { path: p, mode: '600', reload: p.endsWith('network') ? 'network' : 'wireless', sha256, size: content.length, content }
  })
  const configId = `c-${createHash('sha256').update(files.map((f) => f.sha256).join()).digest('hex').slice(0, 12)}`
  return { stationId, configId, files, manifestLines: files.map((f) => `${f.sha256} ${f.mode} ${f.reload} ${f.path}`) }
}

export class MemoryRecorder implements AppliedRecorder {
  records: Array<{ stationId: string; configId: string }> = []
  async record(e: { stationId: string; configId: string }): Promise<void> {
    this.records.push({ stationId: e.stationId, configId: e.configId })
  }
}

export class MemoryJournal {
  events: JournalEventBody[] = []
  append = async (e: JournalEventBody): Promise<void> => {
    this.events.push(e)
  }
  types(station?: string): string[] {
    return this.events.filter((e) => station === undefined || (e as { station?: string }).station === station).map((e) => e.type)
  }
}
