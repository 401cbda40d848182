import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import ssh2 from 'ssh2'
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session } from 'ssh2'
import { DEFAULT_REBOOT_DOWN_MS, type StationFaults } from './faults.js'
import { fingerprint, parseOneKey, publicKeyLine, sameKey } from './keys.js'
import { agentInstalled, clearRam, initialUptimeSeconds, uptimeText } from './layout.js'
import type { LabLog } from './log.js'
import type { LabPlan, LabPlanStation } from './plan.js'
import { killStationProcesses } from './procs.js'
import { ShapedSocket, isShaped } from './shaped-link.js'
import { shellCommandLine } from './shell.js'

const { Server } = ssh2

/*
 * One simulated station: a TCP listener on its own loopback address, and an
 * ssh2 server (not listening itself) that we hand each accepted socket, so the
 * lab decides per connection whether to refuse it, delay it, shape it or serve
 * another host key. Each exec runs `<shell> -c <command>` in the station root.
 *
 * A shaped link with latencyMs costs what a real link of that round-trip time
 * costs before the first SSH byte: the kernel completes the TCP handshake on
 * loopback at once, so the ssh2 server only starts on the socket 1.5 RTT after
 * the accept (SYN, SYN-ACK, ACK: where a real server's accept() returns), and
 * its banner reaches the client 2 RTT after it connected, as over a real link
 * (slowHandshakeMs adds to that). See serverStartDelayMs.
 *
 * What a client sees when the station is "down" (unreachable, flakyPercent,
 * link-down, rebooting, WAN down without backup): the TCP connect succeeds and
 * the connection is reset at once (ECONNRESET before the SSH banner). A real
 * dead link would more often time out: use `blackhole` for that.
 */

export interface EndpointContext {
  plan: LabPlan
  log: LabLog
  /** The faults in force for a station right now (re-read when faults.yaml changed). */
  faults(st: LabPlanStation): StationFaults
  /** Public keys allowed to log in (operator + extras), current. */
  authorizedKeys(): ParsedKey[]
  /** PATH entries after the station's own directories (busybox applets, then the host's). */
  hostPath: string
  random?: () => number
  now?: () => number
}

/** How long a finished command may keep its output open (a background job holding stdout) before the lab closes the channel anyway. */
export const OUTPUT_GRACE_MS = 2000
/** A blackholed connection is dropped after this long if the client never gives up. */
export const BLACKHOLE_MAX_MS = 10 * 60_000

interface Conn {
  raw: net.Socket
  ssh: Duplex
  /** Set while the ssh2 server has not started on this connection yet (emulated TCP handshake, slowHandshakeMs). */
  startTimer?: NodeJS.Timeout
}

/**
 * ms between the TCP accept and the ssh2 server starting on a connection: 1.5
 * round trips of the emulated link (a real server's accept() returns when the
 * client's final ACK arrives), plus slowHandshakeMs. 0 = at once.
 */
export function serverStartDelayMs(f: Pick<StationFaults, 'latencyMs' | 'slowHandshakeMs'>): number {
  return 1.5 * (f.latencyMs ?? 0) + (f.slowHandshakeMs ?? 0)
}

export class StationEndpoint {
  readonly station: LabPlanStation
  private readonly ctx: EndpointContext
  private readonly tcp: net.Server
  private server: InstanceType<typeof Server> | undefined
  private changedServer: InstanceType<typeof Server> | undefined
  private hostKey: ParsedKey | undefined
  private changedKey: string | undefined
  private readonly conns = new Set<Conn>()
  private readonly children = new Set<ChildProcess>()
  private sessions = 0
  private rebooting = false
  private bootTime: number
  private closed = false
  /** Counters for `lab status` and tests. */
  readonly stats = { connections: 0, refused: 0, execs: 0, reboots: 0 }

  constructor(station: LabPlanStation, ctx: EndpointContext) {
    this.station = station
    this.ctx = ctx
    this.bootTime = this.now() - initialUptimeMs(station.id)
    this.tcp = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.onSocket(socket))
    this.tcp.maxConnections = ctx.plan.maxConnectionsPerStation
    this.tcp.on('error', (err) => ctx.log.error(`station ${station.id}: listener: ${err.message}`))
  }

  private now(): number {
    return (this.ctx.now ?? Date.now)()
  }

  get hostKeyFile(): string {
    return path.join(this.station.root, 'lab', 'host_ed25519')
  }

  get changedHostKeyFile(): string {
    return path.join(this.station.root, 'lab', 'host_ed25519.changed')
  }

  /** Loads the host keys and starts listening; resolves with the port. */
  async listen(port: number): Promise<{ port: number; fingerprint: string }> {
    const pem = await readFile(this.hostKeyFile, 'utf8')
    this.hostKey = parseOneKey(pem, this.hostKeyFile)
    this.server = this.makeServer(pem)
    this.changedKey = await readFile(this.changedHostKeyFile, 'utf8').catch(() => undefined)
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(`${this.station.host}:${port} is already in use (station ${this.station.id}): another lab (with another LASTMILE_HOME?) or program listens there; stop it or pass --port`)
            : err,
        )
      }
      this.tcp.once('error', onError)
      this.tcp.listen({ host: this.station.host, port, exclusive: true }, () => {
        this.tcp.off('error', onError)
        resolve()
      })
    })
    const addr = this.tcp.address() as net.AddressInfo
    return { port: addr.port, fingerprint: fingerprint(this.hostKey) }
  }

  private makeServer(hostKey: string): InstanceType<typeof Server> {
    const server = new Server({ hostKeys: [hostKey], ident: 'lastmile-lab' }, (client, info) => this.onClient(client, info.ip))
    server.on('error', (err: Error) => this.ctx.log.debug(`station ${this.station.id}: ${err.message}`))
    return server
  }

  /** Is the management path cut (the agent's network reload wrote lab/link-down)? */
  linkDown(): boolean {
    return existsSync(path.join(this.station.root, 'lab', 'link-down'))
  }

  get isRebooting(): boolean {
    return this.rebooting
  }

  /** Why a new connection would be refused right now, or undefined. */
  refuseReason(f: StationFaults): string | undefined {
    if (this.closed) return 'lab stopping'
    if (this.rebooting) return 'rebooting'
    if (f.unreachable) return 'unreachable'
    if (f.wanDown && !this.station.wanBackup) return 'WAN down, no 4G backup'
    if (this.linkDown()) return 'link down (lab/link-down)'
    if (f.flakyPercent && (this.ctx.random ?? Math.random)() * 100 < f.flakyPercent) return 'flaky'
    return undefined
  }

  private onSocket(socket: net.Socket): void {
    this.stats.connections++
    socket.on('error', (err) => this.ctx.log.debug(`station ${this.station.id}: socket: ${err.message}`))
    const f = this.ctx.faults(this.station)
    const refused = this.refuseReason(f)
    if (refused) {
      this.stats.refused++
      this.ctx.log.debug(`station ${this.station.id}: connection reset (${refused})`)
      socket.resetAndDestroy()
      return
    }
    if (f.blackhole) {
      // Accept and never answer: the client waits for its own connect/handshake timeout.
      socket.setTimeout(BLACKHOLE_MAX_MS, () => socket.destroy())
      const conn: Conn = { raw: socket, ssh: socket }
      this.conns.add(conn)
      socket.once('close', () => this.forget(conn))
      return
    }
    socket.setNoDelay(true)
    const ssh: Duplex = isShaped(f) ? new ShapedSocket(socket, f) : socket
    ssh.on('error', () => undefined)
    const conn: Conn = { raw: socket, ssh }
    this.conns.add(conn)
    socket.once('close', () => this.forget(conn))
    const server = f.changedHostKey ? this.changedHostServer() : this.server
    if (!server) {
      socket.destroy()
      return
    }
    // What the client sends before the server starts is kept: an unshaped socket is still
    // paused (pauseOnConnect), so it waits in the kernel until ssh2 resumes it; a ShapedSocket
    // reads it at once and holds it (it crossed the link meanwhile) until ssh2 reads.
    const inject = (): void => {
      conn.startTimer = undefined
      if (socket.destroyed || ssh.destroyed || this.closed) return
      server.injectSocket(ssh as net.Socket)
    }
    const delay = serverStartDelayMs(f)
    if (delay > 0) conn.startTimer = setTimeout(inject, delay)
    else inject()
  }

  /** The connection will not get an SSH server (it closed, or the station is going down). */
  private cancelStart(conn: Conn): void {
    if (conn.startTimer) clearTimeout(conn.startTimer)
    conn.startTimer = undefined
  }

  private forget(conn: Conn): void {
    this.cancelStart(conn)
    this.conns.delete(conn)
  }

  private changedHostServer(): InstanceType<typeof Server> | undefined {
    if (!this.changedServer && this.changedKey) this.changedServer = this.makeServer(this.changedKey)
    return this.changedServer ?? this.server
  }

  private onClient(client: Connection, ip: string): void {
    client.on('error', (err: Error) => this.ctx.log.debug(`station ${this.station.id}: client ${ip}: ${err.message}`))
    client.on('authentication', (auth: AuthContext) => this.authenticate(auth))
    client.on('ready', () => {
      client.on('session', (accept) => this.onSession(accept()))
      // No port forwarding or agent forwarding on a station.
      client.on('request', (_accept, reject) => reject?.())
      client.on('tcpip', (_accept, reject) => reject())
    })
  }

  private authenticate(auth: AuthContext): void {
    if (auth.method !== 'publickey' || auth.username !== 'root') {
      auth.reject(['publickey'])
      return
    }
    const key = this.ctx.authorizedKeys().find((k) => sameKey(k, auth.key.data))
    if (!key) {
      auth.reject(['publickey'])
      return
    }
    if (auth.signature && auth.blob) {
      if (key.verify(auth.blob, auth.signature, auth.hashAlgo) !== true) {
        auth.reject(['publickey'])
        return
      }
    }
    auth.accept()
  }

  private onSession(session: Session): void {
    // No pty here (no node-pty): refusing it makes OpenSSH fall back to line mode, so what
    // a trainer types is echoed by their own terminal in `ssh … root@127.x.y.z`.
    session.on('pty', (_accept, reject) => reject?.())
    session.on('env', (accept) => accept?.())
    session.on('window-change', (accept) => accept?.())
    session.on('exec', (accept, reject, info) => this.runCommand(accept, reject, info.command))
    session.on('shell', (accept, reject) => this.runCommand(accept, reject, undefined))
    session.on('subsystem', (_accept, reject) => reject())
    session.on('sftp', (_accept, reject) => reject())
  }

  /** Environment of every command on this station: nothing from the lab's own environment leaks in. */
  env(): NodeJS.ProcessEnv {
    const root = this.station.root
    return {
      LASTMILE_ROOT: root,
      PATH: [`${root}/lab/bin`, `${root}/usr/sbin`, `${root}/usr/bin`, `${root}/sbin`, `${root}/bin`, this.ctx.hostPath].join(':'),
      HOME: root,
      LASTMILE_SHELL: shellCommandLine(this.ctx.plan.shell),
    }
  }

  /** What the station's "RAM" shows right now: uptime since its last (lab) boot, a recent tunnel handshake. */
  private refreshRuntimeFiles(): void {
    const root = this.station.root
    try {
      writeFileSync(path.join(root, 'proc/uptime'), uptimeText((this.now() - this.bootTime) / 1000))
      const f = this.ctx.faults(this.station)
      if (!(f.wanDown && !this.station.wanBackup)) {
        writeFileSync(path.join(root, 'var/run/lastmile/wg-handshake'), `lab-hub\t${Math.floor(this.now() / 1000) - 20}\n`)
      }
      // What `iwinfo` would report: the SSID the station's wireless config sets (OpenWrt's default before the first rollout).
      if (this.station.wifi) {
        const ssids = configuredSsids(root)
        for (const [i, ssid] of ssids.entries()) writeFileSync(path.join(root, `var/run/lastmile/wifi-${i === 0 ? 'wlan0' : `wlan0-${i}`}.ssid`), `${ssid}\n`)
      }
    } catch {
      // The root is being rebuilt or removed; the command will say so itself.
    }
  }

  private runCommand(accept: () => ServerChannel, reject: () => void, command: string | undefined): void {
    if (this.sessions >= this.ctx.plan.maxSessionsPerStation || this.rebooting || this.closed) {
      reject()
      return
    }
    const stream = accept()
    this.sessions++
    this.stats.execs++
    this.refreshRuntimeFiles()
    const shell = this.ctx.plan.shell
    const args = [...shell.args, ...(command === undefined ? ['-i'] : ['-c', command])]
    // node:child_process, not execa (src/util/exec.ts): the lab needs streaming pipes and
    // one cheap process per exec across 1,000 stations, not a buffered run-to-completion.
    const child = spawn(shell.file, args, { cwd: this.station.root, env: this.env(), stdio: ['pipe', 'pipe', 'pipe'] })
    this.children.add(child)
    stream.on('error', () => undefined)
    stream.stderr.on('error', () => undefined)
    child.stdin.on('error', () => undefined)
    child.stdout.pipe(stream, { end: false })
    child.stderr.pipe(stream.stderr, { end: false })
    stream.pipe(child.stdin)

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let outputsOpen = 2
    let finished = false
    let graceTimer: NodeJS.Timeout | undefined
    const finish = (): void => {
      if (finished || !exit) return
      finished = true
      if (graceTimer) clearTimeout(graceTimer)
      this.children.delete(child)
      this.sessions--
      child.stdout.unpipe(stream)
      child.stderr.unpipe(stream.stderr)
      const { code, signal } = exit
      try {
        if (signal) stream.exit(signal, false, '')
        else stream.exit(code ?? 0)
      } catch {
        stream.exit(128 + 15)
      }
      stream.end()
      if (command !== undefined && / apply /.test(` ${command} `) && this.ctx.faults(this.station).rebootDuringApply) {
        void this.reboot('rebootDuringApply')
      }
    }
    const onOutputEnd = (): void => {
      outputsOpen--
      if (outputsOpen === 0) finish()
    }
    child.stdout.once('end', onOutputEnd)
    child.stderr.once('end', onOutputEnd)
    child.once('error', (err) => {
      stream.stderr.write(`lab: cannot start ${shell.file}: ${err.message}\n`)
      exit = { code: 127, signal: null }
      outputsOpen = 0
      finish()
    })
    child.once('exit', (code, signal) => {
      exit = { code, signal }
      if (outputsOpen === 0) finish()
      else {
        graceTimer = setTimeout(() => {
          this.ctx.log.error(`station ${this.station.id}: a background process of '${(command ?? 'shell').slice(0, 80)}' kept stdout/stderr open ${OUTPUT_GRACE_MS} ms after the shell exited; a real station's SSH session would hang here (redirect the background job's output)`)
          finish()
        }, OUTPUT_GRACE_MS)
      }
    })
    // The client went away: like dropbear, the command is not killed; its pipes
    // close, so it gets EOF/SIGPIPE when it next reads or writes.
    stream.once('close', () => {
      if (finished) return
      child.stdout.unpipe(stream)
      child.stderr.unpipe(stream.stderr)
      child.stdin.end()
      child.stdout.resume()
      child.stderr.resume()
    })
  }

  /**
   * A power cycle: everything in RAM dies (running commands, the agent's
   * watchdog), connections drop, the station is unreachable for rebootDownMs,
   * then the boot hook (`lastmile-station boot`) runs and it accepts again.
   */
  async reboot(reason: string): Promise<void> {
    if (this.rebooting || this.closed) return
    this.rebooting = true
    this.stats.reboots++
    const st = this.station
    const downMs = this.ctx.faults(st).rebootDownMs ?? DEFAULT_REBOOT_DOWN_MS
    this.ctx.log.info(`station ${st.id}: reboot (${reason}); down for ${downMs} ms`)
    try {
      this.dropConnections()
      await killStationProcesses(st.root, 'exact')
      await clearRam(st.root)
      appendFileSync(path.join(st.root, 'var/log/lab-commands.log'), `${Math.floor(this.now() / 1000)} reboot\n`)
      await new Promise((r) => setTimeout(r, downMs))
      if (this.closed) return
      this.bootTime = this.now()
      this.refreshRuntimeFiles()
      await this.runBootHook()
    } catch (err) {
      this.ctx.log.error(`station ${st.id}: reboot: ${(err as Error).message}`)
    } finally {
      this.rebooting = false
    }
  }

  /** Runs `lastmile-station boot` as the station's init would (if the agent is installed). */
  async runBootHook(): Promise<{ ran: boolean; exitCode?: number; output?: string }> {
    if (!(await agentInstalled(this.station.root))) return { ran: false }
    const shell = this.ctx.plan.shell
    return new Promise((resolve) => {
      const child = spawn(shell.file, [...shell.args, '-c', 'lastmile-station boot'], { cwd: this.station.root, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.once('error', (err) => {
        clearTimeout(timer)
        resolve({ ran: false, output: err.message })
      })
      child.once('close', (code) => {
        clearTimeout(timer)
        const text = out.trim().slice(0, 500)
        this.ctx.log.info(`station ${this.station.id}: boot hook exit ${code}: ${text}`)
        resolve({ ran: true, exitCode: code ?? 1, output: text })
      })
    })
  }

  /** Ends every connection: flushes what was already sent (e.g. an apply's answer), then cuts. */
  dropConnections(): void {
    for (const c of this.conns) {
      if (c.startTimer) {
        // No SSH server on it yet, nothing to flush: the client sees the link close before the banner.
        this.forget(c)
        c.raw.destroy()
        continue
      }
      c.ssh.end()
      setTimeout(() => c.raw.destroy(), 500).unref()
    }
  }

  async close(): Promise<void> {
    this.closed = true
    const closing = new Promise<void>((resolve) => this.tcp.close(() => resolve()))
    for (const c of this.conns) {
      this.cancelStart(c)
      c.raw.destroy()
    }
    for (const child of this.children) child.kill('SIGKILL')
    await closing
  }

  get hostPublicKeyLine(): string | undefined {
    return this.hostKey ? publicKeyLine(this.hostKey) : undefined
  }

  get hostKeyFingerprint(): string | undefined {
    return this.hostKey ? fingerprint(this.hostKey) : undefined
  }

  get activeSessions(): number {
    return this.sessions
  }

  /** Connections accepted whose SSH server has not started yet (emulated TCP handshake, slowHandshakeMs). */
  get startingConnections(): number {
    let n = 0
    for (const c of this.conns) if (c.startTimer) n++
    return n
  }
}

/** First `option ssid` of etc/config/wireless, as iwinfo would show it; 'OpenWrt' when there is none. */
/** Every SSID the station's wireless config sets, in order (OpenWrt's default `OpenWrt` before the first rollout). */
export function configuredSsids(root: string): string[] {
  try {
    const found = [...readFileSync(path.join(root, 'etc/config/wireless'), 'utf8').matchAll(/^\s*option\s+ssid\s+'([^']*)'/gm)].map((m) => m[1] ?? '')
    return found.length > 0 ? found : ['OpenWrt']
  } catch {
    return ['OpenWrt']
  }
}

export function configuredSsid(root: string): string {
  return configuredSsids(root)[0] ?? 'OpenWrt'
}

/** The station's uptime when the lab starts, in ms (see layout.initialUptimeSeconds). */
function initialUptimeMs(id: string): number {
  return initialUptimeSeconds(id) * 1000
}
