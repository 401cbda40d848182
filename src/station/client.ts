import type { z } from 'zod'
import { ProtocolError } from '../ssh/errors.js'
import { isEnvName, shellQuote } from '../ssh/quote.js'
import type { ExecResult, SshSession } from '../ssh/session.js'
import { compareVersions, type AgentBundle } from './agent-bundle.js'
import { buildBundle, type ChangedFile } from './bundle.js'
import { AgentError, AgentMissingError } from './errors.js'
import {
  applyReply,
  CLIENT_PROTOCOL,
  confirmReply,
  extractJson,
  failureReply,
  healthReply,
  probeReply,
  rollbackReply,
  versionReply,
  type ApplyReply,
  type ConfirmReply,
  type HealthReply,
  type ProbeReply,
  type RollbackReply,
  type VersionReply,
} from './protocol.js'

export interface StationClientOptions {
  /** Variables for the agent (e.g. LASTMILE_ROOT in the lab/tests). Default: the target's agentEnv. */
  agentEnv?: Record<string, string>
  /** Directories put first in PATH for the agent. Default: the target's agentPath. */
  agentPath?: string[]
  /** Per-verb command timeouts in ms. */
  timeouts?: Partial<Record<Verb | 'install', number>>
  /** Bundle mtime source (epoch ms); inject in tests. */
  now?: () => number
}

type Verb = 'version' | 'probe' | 'apply' | 'confirm' | 'rollback' | 'health'

const DEFAULT_TIMEOUTS: Record<Verb | 'install', number> = {
  version: 60_000,
  probe: 60_000,
  // Receiving the bundle over a slow 4G link, then reloads (the network reload alone can take 30 s).
  apply: 600_000,
  confirm: 60_000,
  // Waits up to 10 s for the lock, then restores and reloads.
  rollback: 300_000,
  health: 60_000,
  install: 300_000,
}

/** One round trip to the agent, for health's RTT and the report. */
export interface AgentCall {
  verb: Verb | 'install' | 'install-hook'
  ms: number
  exitCode: number | null
}

export interface AgentStatus {
  action: 'current' | 'installed' | 'upgraded'
  /** the version now on the station */
  version: string
  /** the version found before an upgrade */
  previous?: string
}

/**
 * The controller side of the station agent protocol (station/README.md), over one SSH session.
 * Every verb is one exec; replies are validated; an `"ok":false` reply becomes an AgentError
 * (kind `command-failed`, `agentCode` = the agent's code). Nothing is ever retried here.
 *
 * Every agent command is sent as
 *
 *   sh -c '<env>if command -v lastmile-station >/dev/null 2>&1; then exec lastmile-station "$@";
 *          else printf …no-agent JSON…; exit 127; fi' lastmile-station <verb> <args…>
 *
 * so a station without the agent answers in the same round trip with a recognisable reply
 * instead of a shell's "not found", arguments travel as positional parameters (each quoted
 * once), and the login shell's dialect does not matter.
 */
export class StationClient {
  readonly session: SshSession
  /** every call made, in order */
  readonly calls: AgentCall[] = []
  private readonly env: Record<string, string>
  private readonly pathDirs: string[]
  private readonly timeouts: Record<Verb | 'install', number>
  private readonly now: () => number

  constructor(session: SshSession, opts: StationClientOptions = {}) {
    this.session = session
    this.env = opts.agentEnv ?? session.target.agentEnv ?? {}
    this.pathDirs = opts.agentPath ?? session.target.agentPath ?? []
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts }
    this.now = opts.now ?? Date.now
    for (const name of Object.keys(this.env)) if (!isEnvName(name)) throw new Error(`agentEnv: ${JSON.stringify(name)} is not a valid variable name`)
  }

  version(): Promise<VersionReply> {
    return this.call('version', [], versionReply)
  }

  /** Hashes of `paths` (plus the station's confirmed manifest), applied id, pending apply. */
  probe(paths: readonly string[]): Promise<ProbeReply> {
    return this.call('probe', [...paths], probeReply)
  }

  /**
   * Ships the bundle: MANIFEST = `manifestLines` (all desired files, plus a `removalLine` for each
   * managed file that must go), plus the changed files. With nothing changed or removed the agent
   * does nothing except record the id (`noop: true`).
   */
  apply(id: string, confirmWithinS: number, manifestLines: readonly string[], changedFiles: readonly ChangedFile[], opts: { gzip?: boolean } = {}): Promise<ApplyReply> {
    const bundle = buildBundle(manifestLines, changedFiles, { gzip: opts.gzip ?? true, mtime: Math.floor(this.now() / 1000) })
    return this.call('apply', [id, '--confirm-within', String(Math.floor(confirmWithinS))], applyReply, bundle)
  }

  /** Send over a NEW connection after apply: it proves the management path survived the reload. */
  confirm(id: string): Promise<ConfirmReply> {
    return this.call('confirm', [id], confirmReply)
  }

  rollback(id?: string, reason?: string, opts: { ifPending?: boolean } = {}): Promise<RollbackReply> {
    const args = [...(id ? [id] : []), ...(reason ? ['--reason', reason] : []), ...(opts.ifPending ? ['--if-pending'] : [])]
    return this.call('rollback', args, rollbackReply)
  }

  health(): Promise<HealthReply> {
    return this.call('health', [], healthReply)
  }

  /**
   * Read-only probe (status, plan, dry-run, the rollout's preflight): one exec. When the agent
   * is missing or older than `minVersion` it answers `{ probe: null }` with the version found,
   * and installs nothing: a look must never change a station.
   */
  async probeIfCurrent(paths: readonly string[], minVersion: string): Promise<{ probe: ProbeReply | null; agent: string | null }> {
    let reply: ProbeReply
    try {
      reply = await this.call('probe', [...paths], probeReply, undefined, { checkProtocol: false })
    } catch (err) {
      if (err instanceof AgentMissingError) return { probe: null, agent: null }
      throw err
    }
    if (compareVersions(reply.agent, minVersion) < 0) return { probe: null, agent: reply.agent }
    this.checkProtocol(reply.protocol, reply.agent)
    return { probe: reply, agent: reply.agent }
  }

  /**
   * The push's first step, one round trip on a station whose agent is current: probe. Only when
   * the agent is missing or older than `bundle` does it install the agent (one exec, plus one
   * for the boot hook) and probe again.
   */
  async probeEnsuringAgent(paths: readonly string[], bundle: AgentBundle): Promise<{ probe: ProbeReply; agent: AgentStatus }> {
    const first = await this.probeIfCurrent(paths, bundle.version)
    if (first.probe) return { probe: first.probe, agent: { action: 'current', version: first.probe.agent } }
    const installed = await this.installAgent(bundle)
    const probe = await this.probe(paths)
    return { probe, agent: first.agent !== null ? { action: 'upgraded', version: installed.agent, previous: first.agent } : { action: 'installed', version: installed.agent } }
  }

  /** Installs or upgrades the agent when it is missing or older than `bundle`; one exec when current. */
  async ensureAgent(bundle: AgentBundle): Promise<AgentStatus> {
    let current: VersionReply | undefined
    try {
      current = await this.call('version', [], versionReply, undefined, { checkProtocol: false })
    } catch (err) {
      if (!(err instanceof AgentMissingError)) throw err
    }
    if (current && compareVersions(current.agent, bundle.version) >= 0) {
      this.checkProtocol(current.protocol, current.agent)
      return { action: 'current', version: current.agent }
    }
    const installed = await this.installAgent(bundle)
    return current ? { action: 'upgraded', version: installed.agent, previous: current.agent } : { action: 'installed', version: installed.agent }
  }

  /**
   * Writes the agent to `$LASTMILE_ROOT/usr/sbin/lastmile-station` through a temporary file and a
   * rename (a watchdog running the old script keeps its inode), then runs the new one's
   * `version` in the same exec. Then the boot hook, if the bundle has one.
   */
  async installAgent(bundle: AgentBundle): Promise<VersionReply> {
    const script =
      'R="${LASTMILE_ROOT:-}"; mkdir -p "$R/usr/sbin" && cat > "$R/usr/sbin/.lastmile-station.new" && chmod 755 "$R/usr/sbin/.lastmile-station.new" && ' +
      'mv -f "$R/usr/sbin/.lastmile-station.new" "$R/usr/sbin/lastmile-station" && exec "$R/usr/sbin/lastmile-station" version'
    const res = await this.run('install', this.wrap(script, []), bundle.script, this.timeouts.install)
    const reply = this.parse('version', res, versionReply, true)
    if (reply.agent !== bundle.version) {
      throw new ProtocolError(this.session.target, `installed lastmile-station ${bundle.version} but the station reports ${reply.agent}`, res.stdout)
    }
    if (bundle.initScript) await this.installBootHook(bundle.initScript, bundle.initStart ?? 11)
    return reply
  }

  /**
   * `/etc/init.d/lastmile` (rolls back an unconfirmed apply at boot). On a station it is enabled
   * with rc.common's `enable`; under a LASTMILE_ROOT (lab, tests) the rc.d link is made by hand,
   * because `enable` would touch the host's /etc/rc.d.
   */
  private async installBootHook(initScript: Buffer, start: number): Promise<void> {
    const s = String(Math.max(0, Math.min(99, Math.floor(start)))).padStart(2, '0')
    const script =
      'R="${LASTMILE_ROOT:-}"; mkdir -p "$R/etc/init.d" && cat > "$R/etc/init.d/.lastmile.new" && chmod 755 "$R/etc/init.d/.lastmile.new" && ' +
      'mv -f "$R/etc/init.d/.lastmile.new" "$R/etc/init.d/lastmile" && ' +
      `if [ -z "$R" ]; then /etc/init.d/lastmile enable; else mkdir -p "$R/etc/rc.d" && ln -sf ../init.d/lastmile "$R/etc/rc.d/S${s}lastmile"; fi`
    const res = await this.run('install-hook', this.wrap(script, []), initScript, this.timeouts.install)
    if (res.exitCode !== 0) {
      throw new ProtocolError(this.session.target, `installing the boot hook /etc/init.d/lastmile failed (exit ${res.exitCode})`, res.stderr || res.stdout, 'Check free space and that /etc/init.d is writable on the station.')
    }
  }

  private checkProtocol(protocol: number, agent: string): void {
    if (protocol !== CLIENT_PROTOCOL) {
      throw new ProtocolError(this.session.target, `the station agent ${agent} speaks protocol ${protocol}; this lastmile speaks protocol ${CLIENT_PROTOCOL}`, '', 'Use the lastmile release that installed this agent, or upgrade lastmile.')
    }
  }

  private async call<S extends z.ZodType>(verb: Verb, args: string[], schema: S, stdin?: Buffer, opts: { checkProtocol?: boolean } = {}): Promise<z.output<S>> {
    const guarded =
      'if command -v lastmile-station >/dev/null 2>&1; then exec lastmile-station "$@"; else ' +
      `printf '%s\\n' '{"ok":false,"error":{"code":"no-agent","message":"lastmile-station is not installed"}}'; exit 127; fi`
    const res = await this.run(verb, this.wrap(guarded, [verb, ...args]), stdin, this.timeouts[verb])
    const reply = this.parse(verb, res, schema, false)
    const protocol = (reply as { protocol?: unknown }).protocol
    if (opts.checkProtocol !== false && typeof protocol === 'number') this.checkProtocol(protocol, String((reply as { agent?: unknown }).agent))
    return reply
  }

  /** `sh -c '<env> <script>' lastmile-station <args…>`: one quoted script, arguments as "$@". */
  private wrap(script: string, args: string[]): string {
    const env = Object.entries(this.env).map(([k, v]) => `${k}=${shellQuote(v)}; export ${k}; `)
    const path = this.pathDirs.length > 0 ? [`PATH=${this.pathDirs.map(shellQuote).join(':')}:"$PATH"; export PATH; `] : []
    return ['sh', '-c', shellQuote(env.join('') + path.join('') + script), 'lastmile-station', ...args.map(shellQuote)].join(' ')
  }

  private async run(verb: AgentCall['verb'], line: string, stdin: Buffer | undefined, timeoutMs: number): Promise<ExecResult> {
    const res = await this.session.exec(line, [], { ...(stdin ? { stdin } : {}), timeoutMs })
    this.calls.push({ verb, ms: res.ms, exitCode: res.exitCode })
    return res
  }

  private parse<S extends z.ZodType>(verb: string, res: ExecResult, schema: S, installing: boolean): z.output<S> {
    const station = this.session.target
    const json = extractJson(res.stdout)
    if (json === undefined) {
      if (res.exitCode === 127 && !installing) throw new AgentMissingError(station, res.stderr.trim().split('\n')[0] ?? '')
      const what = installing ? 'installing lastmile-station' : `lastmile-station ${verb}`
      const status = res.signal ? `killed by ${res.signal}` : `exit ${res.exitCode}`
      throw new ProtocolError(station, `${what} printed no JSON (${status})`, res.stdout.trim() || res.stderr.trim())
    }
    if (typeof json === 'object' && json !== null && (json as { ok?: unknown }).ok === false) {
      const failure = failureReply.safeParse(json)
      if (!failure.success) throw new ProtocolError(station, `lastmile-station ${verb} replied with a malformed error`, res.stdout)
      if (failure.data.error.code === 'no-agent') throw new AgentMissingError(station)
      throw new AgentError(station, verb, failure.data)
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'unexpected shape'
      throw new ProtocolError(station, `lastmile-station ${verb} replied with JSON lastmile does not understand (${where})`, res.stdout)
    }
    return parsed.data as z.output<S>
  }
}
