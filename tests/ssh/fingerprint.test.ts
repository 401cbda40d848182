import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprintOfBlob, fingerprintOfPublicKeyLine, isFingerprint, keyTypeOfBlob, parsePublicKeyLine } from '../../src/ssh/fingerprint.js'
import { generateKey } from '../support/ssh-server.js'

describe('fingerprints', () => {
  it('match what ssh-keygen -lf prints, for ed25519 and RSA', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lastmile-fp-'))
    try {
      for (const type of ['ed25519', 'rsa'] as const) {
        const key = generateKey(type)
        const file = path.join(dir, `${type}.pub`)
        writeFileSync(file, key.public + '\n')
        const out = execFileSync('ssh-keygen', ['-lf', file]).toString()
        expect(out.split(' ')[1]).toBe(fingerprintOfPublicKeyLine(key.public))
        expect(key.fingerprint).toBe(fingerprintOfPublicKeyLine(key.public))
        expect(isFingerprint(key.fingerprint)).toBe(true)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('parse a key line and reject one whose base64 is not a key of the stated type', () => {
    const key = generateKey()
    const parsed = parsePublicKeyLine(key.public)
    expect(parsed?.type).toBe('ssh-ed25519')
    expect(keyTypeOfBlob(parsed!.blob)).toBe('ssh-ed25519')
    expect(fingerprintOfBlob(parsed!.blob)).toBe(key.fingerprint)
    expect(parsePublicKeyLine(key.public.replace('ssh-ed25519', 'ssh-rsa'))).toBeUndefined()
    expect(parsePublicKeyLine('ssh-ed25519 not-base64!')).toBeUndefined()
    expect(isFingerprint('SHA256:short')).toBe(false)
  })
})
