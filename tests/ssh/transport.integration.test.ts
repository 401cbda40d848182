import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthError, HostKeyMismatchError, UnknownHostKeyError } from '../../src/ssh/errors.js'
import { scanHostKey } from '../../src/ssh/scan.js'
import { connect, withSession, type ConnectOptions, type SshTarget } from '../../src/ssh/session.js'
import { startSshd, sshdUnavailable, type Sshd } from '../support/sshd.js'
import { generateKey } from '../support/ssh-server.js'

const unavailable = sshdUnavailable()
const operator = generateKey('ed25519', 'operator')

describe.skipIf(unavailable !== undefined)(`transport against Debian's OpenSSH sshd${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let sshd: Sshd
  const opts = (): ConnectOptions => ({ identity: { privateKey: operator.private }, connectTimeoutMs: 10_000, retry: { attempts: 1, baseMs: 1, maxMs: 1 } })
  const target = (extra: Partial<SshTarget> = {}): SshTarget => ({ stationId: '441802104201', host: sshd.host, port: sshd.port, user: sshd.user.name, expectedHostKey: sshd.hostKeyFingerprint, ...extra })

  beforeAll(async () => {
    sshd = await startSshd({ authorizedKeys: [operator.public] })
  })
  afterAll(async () => {
    await sshd?.stop()
  })

  it('our fingerprint of the host key is the one ssh-keygen prints', async () => {
    const file = path.join(sshd.dir, 'host.pub')
    writeFileSync(file, sshd.hostKeyPublic + '\n')
    const printed = execFileSync('ssh-keygen', ['-lf', file]).toString().split(' ')[1]
    const scanned = await scanHostKey({ stationId: 'x', host: sshd.host, port: sshd.port })
    expect(scanned.fingerprint).toBe(printed)
    expect(scanned.type).toBe('ssh-ed25519')
  })

  it('pinned key accepted; exec returns exit codes, signals and stderr', async () => {
    await withSession(target(), opts(), async (s) => {
      expect(s.handshakeMs).toBeGreaterThan(0)
      const r = await s.exec('id -un; echo err >&2; exit 4')
      expect(r).toMatchObject({ exitCode: 4, signal: null, stdout: `${sshd.user.name}\n`, stderr: 'err\n' })
      const killed = await s.exec('kill -KILL $$')
      expect(killed.signal).toBe('SIGKILL')
      expect(killed.exitCode).toBeNull()
    })
  })

  it('stdin of 5 MB arrives intact and hostile arguments stay single words', async () => {
    const data = randomBytes(5 * 1024 * 1024)
    const hostile = ["'; rm -rf / #", '$(id)', 'a\nb', '清城区', "it's", '']
    await withSession(target(), opts(), async (s) => {
      const sum = await s.exec('sha256sum', [], { stdin: data })
      expect(sum.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'))
      const echoed = await s.exec("printf '%s\\0'", hostile)
      expect(echoed.stdout.split('\0').slice(0, -1)).toEqual(hostile)
    })
  })

  it('unknown key refused before any login; a wrong operator key is an auth error', async () => {
    const err = await connect(target({ expectedHostKey: undefined }), opts()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnknownHostKeyError)
    expect((err as UnknownHostKeyError).found).toBe(sshd.hostKeyFingerprint)

    const stranger = generateKey()
    const auth = await connect(target(), { ...opts(), identity: { privateKey: stranger.private }, retry: { attempts: 3, baseMs: 1, maxMs: 1 } }).catch((e: unknown) => e)
    expect(auth).toBeInstanceOf(AuthError)
  })

  it('changed host key (sshd restarted with a new key) is refused with both fingerprints', async () => {
    const old = sshd.hostKeyFingerprint
    await sshd.restart({ newHostKey: true })
    expect(sshd.hostKeyFingerprint).not.toBe(old)
    const err = await connect(target({ expectedHostKey: old }), opts()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HostKeyMismatchError)
    expect((err as HostKeyMismatchError).message).toContain(old)
    expect((err as HostKeyMismatchError).message).toContain(sshd.hostKeyFingerprint)
    // and the new pin works
    await withSession(target(), opts(), async (s) => expect((await s.exec('true')).exitCode).toBe(0))
  })
})
