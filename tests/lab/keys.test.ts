import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprint, generateEd25519, loadOrCreateKey, parseAuthorizedKeys, parseOneKey, publicKeyLine, sameKey } from '../../src/lab/keys.js'

const haveSshKeygen = existsSync('/usr/bin/ssh-keygen')

describe('lab keys', () => {
  it.skipIf(!haveSshKeygen)('fingerprints a key exactly as ssh-keygen -l does (skipped: no /usr/bin/ssh-keygen)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lastmile-keys-'))
    try {
      const pair = generateEd25519('test')
      await writeFile(path.join(dir, 'k.pub'), pair.publicKey + '\n')
      const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'k.pub')], { encoding: 'utf8' })
      expect(out.split(' ')[1]).toBe(fingerprint(parseOneKey(pair.privateKey, 'k')))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('keeps a key across calls (host-key pins stay valid) and stores it 0600', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lastmile-keys-'))
    try {
      const file = path.join(dir, 'host_ed25519')
      const a = await loadOrCreateKey(file, 'station')
      const b = await loadOrCreateKey(file, 'station')
      expect(a.created).toBe(true)
      expect(b.created).toBe(false)
      expect(fingerprint(a.key)).toBe(fingerprint(b.key))
      expect(fingerprint(a.key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reads authorized_keys lines, skipping comments and reporting bad lines', () => {
    const k1 = generateEd25519('one')
    const k2 = generateEd25519('two')
    const { keys, problems } = parseAuthorizedKeys(`# extra keys\n${k1.publicKey}\n\nnot a key\n${k2.publicKey}\n`, 'authorized_keys')
    expect(keys).toHaveLength(2)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^authorized_keys:4: /)
    const parsed = parseOneKey(k1.privateKey, 'k1')
    expect(sameKey(keys[0] ?? parsed, parsed.getPublicSSH())).toBe(true)
    expect(sameKey(keys[1] ?? parsed, parsed.getPublicSSH())).toBe(false)
    expect(publicKeyLine(parsed)).toBe(k1.publicKey.split(' ').slice(0, 2).join(' '))
  })
})

describe('generated keys', () => {
  it('are checked and made again when ssh2 produces one it cannot read back (mscdex/ssh2#1390)', () => {
    const good = generateEd25519('good')
    // What ssh2 1.17 emits for ~1 key in 256: a 31-byte public key.
    const malformed = { private: good.privateKey.replace('AAAAIA', 'AAAAHw'), public: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAH7AbU1ckvVXDIKnquVJ4uRDv7k3DVFQbxIb5KD1ddNA= broken' }
    let calls = 0
    const pair = generateEd25519('x', () => (++calls === 1 ? malformed : { private: good.privateKey, public: good.publicKey }))
    expect(calls).toBe(2)
    expect(pair.publicKey).toBe(good.publicKey)
    expect(() => generateEd25519('x', () => malformed)).toThrow(/32 attempts/)
  })
})
