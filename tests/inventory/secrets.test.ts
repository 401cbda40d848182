import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/cli/errors.js'
import { requireSecrets } from '../../src/inventory/cross-checks.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { selectStations } from '../../src/inventory/select.js'
import { secretValueProblem } from '../../src/inventory/secret-refs.js'
import { SecretResolver, envSource } from '../../src/secrets/resolver.js'
import { Secret } from '../../src/secrets/secret.js'
import { cleanupCopies, copyMini, MINI, validate } from './helpers/mini.js'

const WG = Buffer.alloc(32, 7).toString('base64')
const ALL = {
  LASTMILE_SECRET_WIFI_441802104201_STAFF: 'correct horse battery',
  LASTMILE_SECRET_WIREGUARD_441802104201: WG,
  LASTMILE_SECRET_WIREGUARD_441802006001: WG,
}

let mini: Inventory
let tmp: string
beforeAll(async () => {
  mini = (await loadInventoryOrThrow(MINI)).inventory
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lastmile-secrets-'))
})
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
  await cleanupCopies()
})

describe('secretValueProblem', () => {
  it('accepts WPA keys of 8–63 printable ASCII or 64 hex, and nothing else', () => {
    expect(secretValueProblem('wifi-psk', '12345678')).toBeUndefined()
    expect(secretValueProblem('wifi-psk', 'x'.repeat(63))).toBeUndefined()
    expect(secretValueProblem('wifi-psk', 'a'.repeat(64).replace(/a/g, 'f'))).toBeUndefined()
    expect(secretValueProblem('wifi-psk', '1234567')).toContain('7 characters')
    expect(secretValueProblem('wifi-psk', 'x'.repeat(64))).toContain('64 characters')
    expect(secretValueProblem('wifi-psk', '密码密码密码密码')).toContain('non-ASCII')
    expect(secretValueProblem('wifi-psk', 'tab\there!')).toContain('control characters')
  })

  it('checks the shape of WireGuard keys and PPPoE passwords', () => {
    expect(secretValueProblem('wireguard-private-key', WG)).toBeUndefined()
    expect(secretValueProblem('wireguard-private-key', WG.slice(1))).toContain('44 base64')
    expect(secretValueProblem('pppoe-password', '')).toContain('empty')
    expect(secretValueProblem('pppoe-password', 'pw\n')).toContain('control characters')
  })
})

describe('requireSecrets', () => {
  it('returns the Secrets of each station by purpose and by ref', async () => {
    const stations = selectStations(mini)
    const got = await requireSecrets(mini, stations, new SecretResolver([envSource(ALL)]))
    expect([...got.keys()]).toEqual(stations.map((s) => s.id))
    const jiangkou = got.get('441802104201')!
    expect(jiangkou.wifiStaffKey).toBeInstanceOf(Secret)
    expect(jiangkou.wifiStaffKey!.reveal()).toBe('correct horse battery')
    expect(jiangkou.tunnelPrivateKey.ref).toBe('wireguard/441802104201')
    expect(jiangkou.pppoePassword).toBeUndefined()
    expect([...jiangkou.byRef.keys()]).toEqual(['wifi/441802104201/staff', 'wireguard/441802104201'])
    expect(JSON.stringify(jiangkou.wifiStaffKey)).toBe('"‹secret›"')
  })

  it('throws InvalidInputError listing every missing or bad ref, with env var and position, never the value', async () => {
    const env = { LASTMILE_SECRET_WIFI_441802104201_STAFF: 'short12' }
    let err: unknown
    try {
      await requireSecrets(mini, selectStations(mini), new SecretResolver([envSource(env)]))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(InvalidInputError)
    const e = err as InvalidInputError
    expect(e.exitCode).toBe(3)
    expect(e.message).toBe('3 secrets needed by 2 station(s) are missing or unusable')
    const lines = e.problems.map((p) => `${path.relative(MINI, p.position!.file)}:${p.position!.line} ${p.station} ${p.field} ${p.message}`)
    // In the order of the stations given (file order: feilaixia.yaml, then fengcheng.yaml).
    expect(lines[0]).toMatch(/^towns\/feilaixia.yaml:27 441802104201 stations\[0\]\.wifi\.staff\.key\.secret the WiFi key is 7 characters/)
    expect(lines[1]).toMatch(/^towns\/feilaixia.yaml:40 441802104201 .* export LASTMILE_SECRET_WIREGUARD_441802104201/)
    expect(lines[2]).toMatch(/^towns\/fengcheng.yaml:29 441802006001 stations\[0\]\.tunnel\.privateKey\.secret secret wireguard\/441802006001 is not set: export LASTMILE_SECRET_WIREGUARD_441802006001/)
    expect(JSON.stringify(e.problems)).not.toContain('short12')
  })

  it('needs nothing for an empty selection', async () => {
    expect((await requireSecrets(mini, [], new SecretResolver([]))).size).toBe(0)
  })
})

describe('secrets.age', () => {
  it('resolves refs from an age-encrypted YAML map with the identity in LASTMILE_AGE_IDENTITY', async () => {
    const dir = await copyMini()
    const identity = await generateX25519Identity()
    const identityFile = path.join(tmp, 'identity.txt')
    await writeFile(identityFile, `# created for a test\n${identity}\n`)
    const e = new Encrypter()
    e.addRecipient(await identityToRecipient(identity))
    const yaml = Object.entries({ 'wifi/441802104201/staff': 'correct horse battery', 'wireguard/441802104201': WG, 'wireguard/441802006001': WG, 'district/config-id-key': 'k3y-for-config-ids' })
      .map(([k, v]) => `${k}: '${v}'`)
      .join('\n')
    await writeFile(path.join(dir, 'secrets.age'), await e.encrypt(yaml))
    const r = await validate(dir, { LASTMILE_AGE_IDENTITY: identityFile })
    expect(r.problems).toEqual([])
  })

  it('warns once when secrets.age cannot be decrypted, and treats its refs as unresolved', async () => {
    const dir = await copyMini()
    await writeFile(path.join(dir, 'secrets.age'), 'not an age file')
    const r = await validate(dir, { LASTMILE_AGE_IDENTITY: path.join(tmp, 'missing-identity.txt') })
    expect(r.valid).toBe(true)
    const source = r.problems.filter((p) => p.rule === 'secrets.source')
    expect(source).toHaveLength(1)
    expect(source[0]!.message).toContain('LASTMILE_AGE_IDENTITY')
    expect(r.problems.filter((p) => p.rule === 'secrets.unresolved')).toHaveLength(3)
  })
})
