import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from 'node:fs'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fingerprintOfPublicKeyLine } from '../../src/ssh/fingerprint.js'

/*
 * Debian's real OpenSSH sshd, started by hand for integration tests: its own config, host key
 * (ssh-keygen) and authorized_keys in a temp dir, listening on a random 127.0.0.x address and a
 * free port. As root (CI) it logs in a dedicated user whose shell is /bin/sh, so root's
 * ~/.bashrc (pyenv: +0.2 s per command) is never read and commands run under dash like under
 * a station's ash. Stopped by PID.
 *
 *   const sshd = await startSshd({ authorizedKeys: [key.public] })
 *   ... connect to sshd.host:sshd.port as sshd.user, pin sshd.hostKeyFingerprint ...
 *   await sshd.stop()
 */

export const SSHD = '/usr/sbin/sshd'
export const TEST_USER = 'lastmile-test'

/** Why the real-sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'ssh-keygen is not installed'
  }
  if (process.platform !== 'linux') return 'only on Linux (127.0.0.x loopback addresses)'
  return undefined
}

export interface TestUser {
  name: string
  uid: number
  gid: number
  home: string
  shell: string
}

/**
 * The user sshd logs tests in as. As root: `lastmile-test` (shell /bin/sh), created with useradd
 * if missing and unlocked (`*` password: key login only; with UsePAM no, sshd refuses accounts
 * whose password starts with `!`). Otherwise: the current user.
 */
export function ensureTestUser(): TestUser {
  if (process.getuid?.() !== 0) {
    const me = os.userInfo()
    return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, shell: me.shell ?? '/bin/sh' }
  }
  const lookup = (): TestUser | undefined => {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${TEST_USER}:`))
    if (!line) return undefined
    const [name, , uid, gid, , home, shell] = line.split(':')
    return { name: name as string, uid: Number(uid), gid: Number(gid), home: home as string, shell: shell as string }
  }
  let user = lookup()
  if (!user) {
    try {
      execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', '--comment', 'lastmile integration tests', TEST_USER], { stdio: 'pipe' })
    } catch (err) {
      // Another test file created it at the same moment (exit 9: already exists).
      if ((err as { status?: number }).status !== 9) throw err
    }
    user = lookup()
    if (!user) throw new Error(`useradd ${TEST_USER} did not create the user`)
  }
  const shadow = existsSync('/etc/shadow') ? readFileSync('/etc/shadow', 'utf8').split('\n').find((l) => l.startsWith(`${TEST_USER}:`)) : undefined
  if (shadow?.split(':')[1]?.startsWith('!')) execFileSync('usermod', ['-p', '*', TEST_USER], { stdio: 'pipe' })
  if (!existsSync(user.home)) {
    mkdirSync(user.home, { recursive: true })
    chownSync(user.home, user.uid, user.gid)
  }
  return user
}

export interface SshdOptions {
  /** authorized_keys lines for the test user */
  authorizedKeys: string[]
  hostKeyType?: 'ed25519' | 'rsa'
}

export interface Sshd {
  host: string
  port: number
  user: TestUser
  /** `SHA256:…` of the current host key */
  hostKeyFingerprint: string
  /** the host key's public line */
  hostKeyPublic: string
  dir: string
  pid: number
  /** Stop and start again on the same address; with `newHostKey` a fresh host key first. */
  restart(opts?: { newHostKey?: boolean }): Promise<void>
  /** Make a directory owned by the test user (e.g. a station root). */
  userDir(name: string): string
  stop(): Promise<void>
}

export async function startSshd(opts: SshdOptions): Promise<Sshd> {
  const user = ensureTestUser()
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lastmile-sshd-'))
  // The user reads authorized_keys (sshd drops privileges for that) and its station roots.
  chmodSync(dir, 0o755)
  const host = `127.0.0.${2 + Math.floor(Math.random() * 250)}`
  const port = await freePort(host)
  const hostKey = path.join(dir, 'host_key')
  const authorizedKeys = path.join(dir, 'authorized_keys')
  writeFileSync(authorizedKeys, opts.authorizedKeys.join('\n') + '\n', { mode: 0o644 })
  const config = path.join(dir, 'sshd_config')
  writeFileSync(
    config,
    [
      `ListenAddress ${host}:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `AllowUsers ${user.name}`,
      'UsePAM no',
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      'MaxStartups 200:30:400',
      'MaxSessions 50',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  )

  const newHostKey = (): void => {
    rmSync(hostKey, { force: true })
    rmSync(`${hostKey}.pub`, { force: true })
    execFileSync('ssh-keygen', ['-q', '-t', opts.hostKeyType ?? 'ed25519', '-N', '', '-C', 'lastmile-test-host', '-f', hostKey], { stdio: 'pipe' })
  }
  newHostKey()
  execFileSync(SSHD, ['-t', '-f', config], { stdio: 'pipe' })

  let child: ChildProcess | undefined
  let log = ''
  const start = async (): Promise<void> => {
    log = ''
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000)
    })
    await waitForPort(host, port, () => (child?.exitCode !== null ? `sshd exited (${child?.exitCode}): ${log}` : undefined))
  }
  const stopChild = async (): Promise<void> => {
    const c = child
    if (!c || c.exitCode !== null || c.pid === undefined) return
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
    process.kill(c.pid, 'SIGTERM')
    await exited
  }
  await start()

  const keyInfo = (): { fingerprint: string; publicLine: string } => {
    const publicLine = readFileSync(`${hostKey}.pub`, 'utf8').trim()
    return { publicLine, fingerprint: fingerprintOfPublicKeyLine(publicLine) as string }
  }
  const sshd: Sshd = {
    host,
    port,
    user,
    dir,
    hostKeyFingerprint: keyInfo().fingerprint,
    hostKeyPublic: keyInfo().publicLine,
    get pid() {
      return child?.pid ?? -1
    },
    async restart(r = {}) {
      await stopChild()
      if (r.newHostKey) newHostKey()
      const k = keyInfo()
      sshd.hostKeyFingerprint = k.fingerprint
      sshd.hostKeyPublic = k.publicLine
      await start()
    },
    userDir(name: string) {
      const d = path.join(dir, name)
      mkdirSync(d, { recursive: true })
      chownSync(d, user.uid, user.gid)
      return d
    },
    async stop() {
      await stopChild()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return sshd
}

async function freePort(host: string): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(0, host, () => resolve())
  })
  const port = (srv.address() as AddressInfo).port
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  return port
}

/** Polls until sshd accepts TCP connections (bounded: ~10 s). */
async function waitForPort(host: string, port: number, died: () => string | undefined): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const why = died()
    if (why) throw new Error(why)
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host, port })
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`sshd did not listen on ${host}:${port} within 10 s`)
}
