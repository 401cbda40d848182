/**
 * A fleet of benchmark stations: one real OpenSSH `sshd` per station on its own
 * loopback address, each with its own host key and station root directory.
 * Both tools (lastmile and Ansible) log in as the same unprivileged user whose
 * shell is /bin/sh (no rc files: like a station's ash), and every file they
 * write lands under the station's root: `SetEnv LASTMILE_ROOT` for the agent,
 * the `station_root` host var for Ansible. Started and stopped by PID.
 */
import { cp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { run } from '../../src/util/exec.js'

export const BENCH_USER = 'lmbench'
/** Home of the benchmark user: Ansible keeps its remote temp files under ~/.ansible. */
export const BENCH_HOME = '/var/lib/lastmile-bench'

export interface FleetStation {
  id: string
  town: string
  host: string
  port: number
  dir: string
  root: string
  hostKeyFingerprint: string
  pid: number
}

export interface Fleet {
  dir: string
  user: string
  operatorKey: string
  operatorPub: string
  stations: FleetStation[]
}

/** 127.40.0.0/16 for sshd stations: station i → 127.40.(i/200).(i%200+10). Never 127.0.0.1. */
export function fleetAddress(i: number): string {
  return `127.40.${Math.floor(i / 200)}.${(i % 200) + 10}`
}

async function must(file: string, args: string[], what: string): Promise<string> {
  const r = await run(file, args)
  if (r.notFound) throw new Error(`${what}: ${file} is not installed (apt-get install -y openssh-server)`)
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr.trim()}`)
  return r.stdout
}

export async function ensureBenchUser(): Promise<void> {
  const r = await run('id', ['-u', BENCH_USER])
  if (r.exitCode !== 0) await must('useradd', ['--system', '--no-create-home', '--home-dir', BENCH_HOME, '--shell', '/bin/sh', BENCH_USER], 'creating the benchmark user')
  await mkdir(BENCH_HOME, { recursive: true })
  await must('chown', [`${BENCH_USER}:`, BENCH_HOME], 'chown of the benchmark home')
  // useradd leaves the password field '!' (locked); with UsePAM no, sshd refuses locked
  // accounts even for key logins. '*' means "no password" without being locked.
  await must('usermod', ['-p', '*', BENCH_USER], 'unlocking the benchmark user for key logins')
}

export interface StartFleetOptions {
  dir: string
  stations: Array<{ id: string; town: string }>
  /** Directory holding stub platform commands (station/lab-stubs). */
  stubs: string
  /** sshd LogLevel (default ERROR). DEBUG1 logs every exec/subsystem request: the counting pass uses it. */
  logLevel?: 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1'
  /** A cgroup.procs file every sshd (and so every session and command) is moved into. */
  cgroupProcs?: string
  /** Station i listens on fleetAddress(firstIndex + i) (default 0): two fleets side by side. */
  firstIndex?: number
}

/** true when something already accepts connections on host:22 (another fleet, a lab). */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port })
    const done = (v: boolean): void => {
      sock.destroy()
      resolve(v)
    }
    sock.setTimeout(1000, () => done(false))
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

export async function startFleet(opts: StartFleetOptions): Promise<Fleet> {
  await ensureBenchUser()
  await mkdir('/run/sshd', { recursive: true })
  await rm(opts.dir, { recursive: true, force: true })
  await mkdir(opts.dir, { recursive: true })
  const operatorKey = path.join(opts.dir, 'operator_ed25519')
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lastmile-bench', '-f', operatorKey], 'ssh-keygen')
  const operatorPub = (await readFile(`${operatorKey}.pub`, 'utf8')).trim()
  const authorizedKeys = path.join(opts.dir, 'authorized_keys')
  await writeFile(authorizedKeys, operatorPub + '\n', { mode: 0o644 })

  const stations: FleetStation[] = []
  // Host keys and configs first (CPU-bound, sequential is fine), then start all sshd at once.
  for (const [i, s] of opts.stations.entries()) {
    const dir = path.join(opts.dir, 'stations', s.id)
    const root = path.join(dir, 'root')
    await mkdir(path.join(root, 'etc', 'config'), { recursive: true })
    await mkdir(path.join(root, 'var', 'log'), { recursive: true })
    await mkdir(path.join(root, 'usr', 'sbin'), { recursive: true })
    await cp(opts.stubs, root, { recursive: true })
    const hostKey = path.join(dir, 'ssh_host_ed25519_key')
    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', s.id, '-f', hostKey], 'ssh-keygen')
    const fp = (await must('ssh-keygen', ['-l', '-f', `${hostKey}.pub`], 'ssh-keygen -l')).split(' ')[1] ?? ''
    const host = fleetAddress((opts.firstIndex ?? 0) + i)
    const envPath = [`${root}/usr/sbin`, `${root}/usr/bin`, `${root}/sbin`, '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(':')
    const config = [
      `ListenAddress ${host}:22`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      `AllowUsers ${BENCH_USER}`,
      `SetEnv LASTMILE_ROOT=${root} PATH=${envPath}`,
      'Subsystem sftp internal-sftp',
      'MaxStartups 400:30:800',
      'MaxSessions 64',
      'UseDNS no',
      `LogLevel ${opts.logLevel ?? 'ERROR'}`,
      '',
    ].join('\n')
    await writeFile(path.join(dir, 'sshd_config'), config)
    stations.push({ id: s.id, town: s.town, host, port: 22, dir, root, hostKeyFingerprint: fp, pid: 0 })
  }
  await run('chown', ['-R', `${BENCH_USER}:`, path.join(opts.dir, 'stations')])
  await chmod(opts.dir, 0o755)
  const busy: string[] = []
  for (let i = 0; i < stations.length; i += 100) {
    const r = await Promise.all(stations.slice(i, i + 100).map(async (s) => ((await listening(s.host, s.port)) ? s.host : '')))
    busy.push(...r.filter(Boolean))
  }
  if (busy.length > 0) throw new Error(`${busy.length} fleet address(es) already in use (${busy.slice(0, 3).join(', ')}…:22): another benchmark fleet is running; wait for it, or use another firstIndex`)

  // Write fleet.json before starting anything: whoever cleans up (ci-smoke.sh's trap, stopFleet)
  // finds the pid files through it even if the start fails half-way.
  const fleet: Fleet = { dir: opts.dir, user: BENCH_USER, operatorKey, operatorPub, stations }
  await writeFile(path.join(opts.dir, 'fleet.json'), JSON.stringify(fleet, null, 2))
  // sshd binds its listen socket before it daemonizes, so the port is open when `sshd` returns;
  // the daemon writes its pid file a moment later. Start in batches: 1,000 at once is a fork storm.
  for (let i = 0; i < stations.length; i += 50) {
    await Promise.all(
      stations.slice(i, i + 50).map(async (s) => {
        const args = ['-f', path.join(s.dir, 'sshd_config'), ...(opts.logLevel && opts.logLevel !== 'ERROR' ? ['-E', path.join(s.dir, 'sshd.log')] : [])]
        await must('/usr/sbin/sshd', args, `starting sshd for ${s.id}`)
        s.pid = await waitForPidFile(path.join(s.dir, 'sshd.pid'))
        if (opts.cgroupProcs) await writeFile(opts.cgroupProcs, `${s.pid}\n`)
      }),
    )
  }
  await writeFile(path.join(opts.dir, 'fleet.json'), JSON.stringify(fleet, null, 2))
  return fleet
}

/** The daemon's pid, once it has written it (bounded: 200 × 25 ms). */
async function waitForPidFile(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(file, 'utf8').catch(() => '')
    const pid = Number(text.trim())
    if (Number.isInteger(pid) && pid > 0) return pid
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`sshd did not write ${file} within 5 s (could it bind its address?)`)
}

/**
 * Stops exactly the sshd listeners this fleet started (by PID file, checking that the pid
 * is still an sshd running this station's config: a recycled pid is left alone).
 */
export async function stopFleet(fleet: Pick<Fleet, 'stations'>): Promise<number> {
  let stopped = 0
  for (const s of fleet.stations) {
    const pidFile = path.join(s.dir, 'sshd.pid')
    if (!existsSync(pidFile)) continue
    const pid = Number((await readFile(pidFile, 'utf8')).trim())
    if (!Number.isInteger(pid) || pid <= 0) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (!cmdline.includes(path.join(s.dir, 'sshd_config'))) continue
    try {
      process.kill(pid, 'SIGTERM')
      stopped++
    } catch {
      // already gone
    }
  }
  return stopped
}

/** Wipes the station roots back to "never configured" (cold phase) without restarting sshd. */
export async function resetStationRoots(fleet: Fleet, stubs: string): Promise<void> {
  await Promise.all(
    fleet.stations.map(async (s) => {
      await rm(s.root, { recursive: true, force: true })
      await mkdir(path.join(s.root, 'etc', 'config'), { recursive: true })
      await mkdir(path.join(s.root, 'var', 'log'), { recursive: true })
      await mkdir(path.join(s.root, 'usr', 'sbin'), { recursive: true })
      await cp(stubs, s.root, { recursive: true })
    }),
  )
  await run('chown', ['-R', `${BENCH_USER}:`, path.join(fleet.dir, 'stations')])
}
