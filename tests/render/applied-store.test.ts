import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LastmileError } from '../../src/cli/errors.js'
import { readApplied, writeApplied, type AppliedRecord } from '../../src/state/applied-store.js'
import { loadFingerprintKey } from '../../src/state/fingerprint-key.js'
import { lastmileHome, statePaths } from '../../src/state/paths.js'
import { Secret } from '../../src/secrets/secret.js'

let home: string
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-state-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const record: AppliedRecord = {
  stationId: '441802006001',
  configId: '0123456789abcdef',
  appliedAt: '2026-01-02T03:04:05.000Z',
  files: [{ path: '/etc/config/network', mode: '0600', sha256: 'a'.repeat(64), size: 10 }],
  maskedFiles: { '/etc/config/network': "option private_key '‹secret:wireguard/441802006001›'\n" },
  secretFingerprints: { 'wireguard/441802006001': 'b'.repeat(64) },
}

describe('applied records', () => {
  it('writes atomically (0600, no temp file left) and reads back', async () => {
    const file = await writeApplied(home, record)
    expect(file).toBe(path.join(statePaths.applied(home), '441802006001.json'))
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readdir(statePaths.applied(home))).toEqual(['441802006001.json'])
    expect(await readApplied(home, '441802006001')).toEqual(record)
    await writeApplied(home, { ...record, configId: 'fedcba9876543210' })
    expect((await readApplied(home, '441802006001'))?.configId).toBe('fedcba9876543210')
  })

  it('a station never applied has no record', async () => {
    expect(await readApplied(home, '441802104201')).toBeUndefined()
  })

  it('a damaged record is an error that says what to do', async () => {
    await mkdir(statePaths.applied(home), { recursive: true })
    await writeFile(path.join(statePaths.applied(home), '441802006001.json'), '{"stationId": "441802006001"')
    const err = await readApplied(home, '441802006001').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LastmileError)
    expect((err as LastmileError).hint).toMatch(/Move .* away/)
  })

  it('a record path that cannot be read (a folder, no permission) is an input error naming it, not a crash', async () => {
    await mkdir(path.join(statePaths.applied(home), '441802006001.json'), { recursive: true })
    const err = await readApplied(home, '441802006001').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LastmileError)
    expect((err as LastmileError).exitCode).toBe(3)
    expect((err as LastmileError).message).toContain('441802006001.json')
    await mkdir(statePaths.fingerprintKey(home), { recursive: true })
    const err2 = await loadFingerprintKey(home).catch((e: unknown) => e)
    expect(err2).toBeInstanceOf(LastmileError)
    expect((err2 as LastmileError).exitCode).toBe(3)
  })

  it('refuses ids that are not station codes (they become file names)', async () => {
    await expect(readApplied(home, '../../etc/passwd')).rejects.toThrow(/not a station id/)
    await expect(writeApplied(home, { ...record, stationId: '../x' })).rejects.toThrow(/not a station id/)
  })
})

describe('fingerprint key', () => {
  it('is created once, 0600, and reused', async () => {
    const k1 = await loadFingerprintKey(home)
    const k2 = await loadFingerprintKey(home)
    expect(k1).toHaveLength(32)
    expect(k2!.equals(k1!)).toBe(true)
    expect((await stat(statePaths.fingerprintKey(home))).mode & 0o777).toBe(0o600)
    const s = new Secret('wifi/y', 'another-wifi-key')
    expect(s.fingerprint(k1!)).toMatch(/^[0-9a-f]{64}$/)
    expect(s.fingerprint(k1!)).not.toBe(s.fingerprint(Buffer.alloc(32)))
  })

  it('is not created when asked not to', async () => {
    expect(await loadFingerprintKey(home, { create: false })).toBeUndefined()
  })
})

describe('lastmile home', () => {
  it('is .lastmile in the working directory, or $LASTMILE_HOME', () => {
    expect(lastmileHome({}, '/work')).toBe('/work/.lastmile')
    expect(lastmileHome({ LASTMILE_HOME: '/var/lib/lastmile' }, '/work')).toBe('/var/lib/lastmile')
  })
})
