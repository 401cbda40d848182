import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Operator } from '../../src/inventory/schema.js'
import { labIdentity, resolveIdentity } from '../../src/ssh/credentials.js'
import { IdentityError } from '../../src/ssh/errors.js'
import { generateKey } from '../support/ssh-server.js'

const district = generateKey('ed25519', 'dist@lastmile')
const town = generateKey('rsa', 'town1@lastmile')
const stranger = generateKey()
const operators: Operator[] = [
  { id: 'qcq-district-admin', name: '区信息中心管理员', role: 'district', towns: [], sshPublicKey: district.public },
  { id: 'fengcheng-admin-1', name: '凤城管理员', role: 'town', towns: ['441802006000'], sshPublicKey: town.public },
]
const inventory = { operators }

let home: string
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'lastmile-home-'))
  mkdirSync(path.join(home, '.ssh'))
})
afterEach(() => rmSync(home, { recursive: true, force: true }))

function put(rel: string, text: string): string {
  const file = path.join(home, rel)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text, { mode: 0o600 })
  return file
}

describe('resolveIdentity', () => {
  it('LASTMILE_SSH_KEY wins and identifies the operator by public key', async () => {
    put('.ssh/id_ed25519', stranger.private)
    const file = put('keys/town.key', town.private)
    const r = await resolveIdentity({ HOME: home, LASTMILE_SSH_KEY: file }, inventory)
    expect(r.source).toBe('env')
    expect(r.operator?.id).toBe('fengcheng-admin-1')
    expect(r.towns).toEqual(['441802006000'])
    expect(r.fingerprint).toBe(town.fingerprint)
    expect(r.identity.privateKey).toBeDefined()
    expect(r.identity.offered?.[0]).toContain(town.fingerprint)
  })

  it('operator.yaml: the claimed operator must match the key', async () => {
    put('.config/lastmile/keys/dist', district.private)
    put('.config/lastmile/operator.yaml', 'operator: qcq-district-admin\nprivateKey: keys/dist\n')
    const r = await resolveIdentity({ HOME: home }, inventory)
    expect(r.source).toBe('operator-config')
    expect(r.operator?.id).toBe('qcq-district-admin')
    expect(r.towns).toBe('all')

    put('.config/lastmile/operator.yaml', 'operator: fengcheng-admin-1\nprivateKey: keys/dist\n')
    const err = await resolveIdentity({ HOME: home }, inventory).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect((err as IdentityError).message).toContain('qcq-district-admin')
  })

  it('falls back to ~/.ssh/id_ed25519, then id_rsa; a key of no operator gets no towns and a warning', async () => {
    put('.ssh/id_rsa', town.private)
    expect((await resolveIdentity({ HOME: home }, inventory)).operator?.id).toBe('fengcheng-admin-1')
    put('.ssh/id_ed25519', stranger.private)
    const r = await resolveIdentity({ HOME: home }, inventory)
    expect(r.source).toBe('default-key')
    expect(r.keyFile).toBe(path.join(home, '.ssh', 'id_ed25519'))
    expect(r.operator).toBeUndefined()
    expect(r.towns).toEqual([])
    expect(r.warning).toContain('not any operator')
  })

  it('an encrypted default key: opened with LASTMILE_SSH_PASSPHRASE, else the agent is used', async () => {
    const enc = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'secret', cipher: 'aes256-ctr', rounds: 4 })
    put('.ssh/id_ed25519', enc.private)
    const withPass = await resolveIdentity({ HOME: home, LASTMILE_SSH_PASSPHRASE: 'secret' }, inventory)
    expect(withPass.source).toBe('default-key')
    expect(withPass.identity.passphrase).toBe('secret')

    const viaAgent = await resolveIdentity({ HOME: home, SSH_AUTH_SOCK: '/tmp/agent.sock' }, inventory, {
      listAgentKeys: async () => [stranger.parsed.getPublicSSH(), district.parsed.getPublicSSH()],
    })
    expect(viaAgent.source).toBe('agent')
    expect(viaAgent.identity).toMatchObject({ agent: '/tmp/agent.sock' })
    expect(viaAgent.operator?.id).toBe('qcq-district-admin')

    const err = await resolveIdentity({ HOME: home }, inventory).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect((err as IdentityError).hint).toContain('ssh-add')
  })

  it('no key and no agent: an identity error that says where keys are looked for', async () => {
    const err = await resolveIdentity({ HOME: home }, inventory).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect((err as IdentityError).exitCode).toBe(3)
    expect((err as IdentityError).hint).toContain('LASTMILE_SSH_KEY')
  })

  it('a file that is not a private key is refused with its path', async () => {
    const file = put('keys/pub', district.public)
    const err = await resolveIdentity({ HOME: home, LASTMILE_SSH_KEY: file }, inventory).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect((err as IdentityError).message).toContain(file)
  })
})

describe('labIdentity', () => {
  it('takes the lab key inline or from a file, without an operators.yaml warning', async () => {
    const inline = await labIdentity({ operatorKey: stranger.private })
    expect(inline.source).toBe('lab')
    expect(inline.fingerprint).toBe(stranger.fingerprint)
    expect(inline.warning).toBeUndefined()
    const file = put('lab/operator_key', district.private)
    const fromFile = await labIdentity({ operatorKey: file }, inventory)
    expect(fromFile.operator?.id).toBe('qcq-district-admin')
  })
})
