import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import ssh2, { type ParsedKey } from 'ssh2'
import { parse as parseYaml } from 'yaml'
import type { Operator } from '../inventory/schema.js'
import type { LabTarget } from '../lab/target.js'
import { IdentityError } from './errors.js'
import { fingerprintOfBlob, parsePublicKeyLine } from './fingerprint.js'
import type { SshIdentity } from './session.js'

// ssh2 is CommonJS: Node's ESM loader only offers its default export.
const { OpenSSHAgent, utils } = ssh2

/**
 * Who the operator running lastmile is, and the key they log in to stations with.
 *
 * Stations accept exactly the keys in operators.yaml (their authorized_keys are rendered from
 * it), and each operator there is scoped to towns. So the key *is* the identity: we derive the
 * public key of whatever key we will offer and look it up in operators.yaml.
 */
export interface ResolvedIdentity {
  /** what to pass to `connect` */
  identity: SshIdentity
  /** where the key came from */
  source: 'env' | 'operator-config' | 'default-key' | 'agent' | 'lab'
  keyFile?: string
  /** OpenSSH public key line of the key file, when we used a file */
  publicKey?: string
  fingerprint?: string
  /** the operators.yaml entry whose sshPublicKey matches, if any */
  operator?: Operator
  /** towns this operator may work on: 'all' for a district operator; [] when not identified */
  towns: 'all' | string[]
  /** said once to the user when the key is not any operator's */
  warning?: string
}

export interface ResolveIdentityOptions {
  /** read a file (tests inject a fake file system) */
  readFile?: (file: string) => Promise<Buffer>
  /** list the keys an ssh-agent holds (tests inject) */
  listAgentKeys?: (socket: string) => Promise<Buffer[]>
}

/**
 * Finds the operator's key, in this order:
 *   1. `LASTMILE_SSH_KEY` (a private key file; `LASTMILE_SSH_PASSPHRASE` if it is encrypted),
 *   2. `~/.config/lastmile/operator.yaml` (`{operator: <id>, privateKey: <path>}`),
 *   3. `~/.ssh/id_ed25519`, then `~/.ssh/id_rsa`,
 *   4. the ssh-agent at `SSH_AUTH_SOCK`.
 * A default key that is encrypted (and no passphrase is set) is skipped in favour of the agent,
 * where such keys normally live. Then identifies which operator it is.
 */
export async function resolveIdentity(env: NodeJS.ProcessEnv, inventory: { operators: Operator[] }, opts: ResolveIdentityOptions = {}): Promise<ResolvedIdentity> {
  const read = opts.readFile ?? ((f: string) => readFile(f))
  const home = env.HOME || os.homedir()
  const passphrase = env.LASTMILE_SSH_PASSPHRASE
  const agentSock = env.SSH_AUTH_SOCK || undefined

  if (env.LASTMILE_SSH_KEY) {
    const file = expandHome(env.LASTMILE_SSH_KEY, home)
    const key = await loadKeyFile(file, passphrase, read, 'LASTMILE_SSH_KEY', true)
    return identify({ source: 'env', file, key: key as LoadedKey, passphrase, agentSock: undefined }, inventory.operators)
  }

  const configFile = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'lastmile', 'operator.yaml')
  const config = await readOperatorConfig(configFile, read)
  if (config) {
    const file = expandHome(config.privateKey, home, path.dirname(configFile))
    const key = (await loadKeyFile(file, passphrase, read, configFile, true)) as LoadedKey
    const resolved = identify({ source: 'operator-config', file, key, passphrase, agentSock: undefined }, inventory.operators)
    if (config.operator !== undefined) checkClaim(config.operator, configFile, resolved, inventory.operators)
    return resolved
  }

  for (const name of ['id_ed25519', 'id_rsa']) {
    const file = path.join(home, '.ssh', name)
    const key = await loadKeyFile(file, passphrase, read, file, false)
    if (key === 'missing') continue
    if (key === 'encrypted' && agentSock) break
    if (key === 'encrypted') {
      throw new IdentityError(`${file} is encrypted and no passphrase is available`, 'Load it into ssh-agent (`ssh-add`), or set LASTMILE_SSH_PASSPHRASE, or point LASTMILE_SSH_KEY at an unencrypted operator key.')
    }
    return identify({ source: 'default-key', file, key, passphrase, agentSock: undefined }, inventory.operators)
  }

  if (agentSock) {
    const list = opts.listAgentKeys ?? listAgentKeys
    let blobs: Buffer[] = []
    try {
      blobs = await list(agentSock)
    } catch (err) {
      throw new IdentityError(`cannot talk to ssh-agent at ${agentSock}: ${(err as Error).message}`, 'Start ssh-agent and `ssh-add` your operator key, or set LASTMILE_SSH_KEY to the key file.')
    }
    const matches = blobs.map((b) => ({ blob: b, op: operatorForBlob(b, inventory.operators) }))
    const hit = matches.find((m) => m.op !== undefined)
    const identity: SshIdentity = { agent: agentSock, offered: [`ssh-agent at ${agentSock} (${blobs.length} key${blobs.length === 1 ? '' : 's'}${blobs.length ? ': ' + blobs.map(fingerprintOfBlob).join(', ') : ''})`] }
    if (!hit?.op) {
      return { identity, source: 'agent', towns: [], warning: `none of the ${blobs.length} key(s) in ssh-agent belongs to an operator in operators.yaml; stations will refuse them` }
    }
    return { identity, source: 'agent', fingerprint: fingerprintOfBlob(hit.blob), operator: hit.op, towns: townsOf(hit.op) }
  }

  throw new IdentityError(
    'no operator SSH key found',
    'Set LASTMILE_SSH_KEY to your operator private key, or write ~/.config/lastmile/operator.yaml with `operator: <your id>` and `privateKey: <path>`, or create ~/.ssh/id_ed25519, or run ssh-agent. Your public key must be in operators.yaml.',
  )
}

/** The lab's operator key: `LabTarget.operatorKey` is the key itself or the path of its file. */
export async function labIdentity(lab: Pick<LabTarget, 'operatorKey'>, inventory: { operators: Operator[] } = { operators: [] }, read: (f: string) => Promise<Buffer> = (f) => readFile(f)): Promise<ResolvedIdentity> {
  const isInline = lab.operatorKey.includes('PRIVATE KEY-----')
  const data = isInline ? Buffer.from(lab.operatorKey) : await read(lab.operatorKey).catch(() => {
    throw new IdentityError(`the lab's operator key ${lab.operatorKey} cannot be read`, 'Restart the lab (`lastmile lab down && lastmile lab up`).')
  })
  const parsed = parsePrivate(data, undefined)
  if (!parsed.ok) throw new IdentityError(`the lab's operator key is not usable: ${parsed.message}`, 'Restart the lab (`lastmile lab down && lastmile lab up`).')
  const resolved = identify({ source: 'lab', ...(isInline ? {} : { file: lab.operatorKey }), key: { data, parsed: parsed.key }, passphrase: undefined, agentSock: undefined }, inventory.operators)
  // The lab accepts its own key whoever you are: no warning about operators.yaml.
  delete resolved.warning
  return resolved
}

interface LoadedKey {
  data: Buffer
  parsed: ParsedKey
}

async function loadKeyFile(file: string, passphrase: string | undefined, read: (f: string) => Promise<Buffer>, from: string, required: boolean): Promise<LoadedKey | 'missing' | 'encrypted'> {
  let data: Buffer
  try {
    data = await read(file)
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw new IdentityError(`cannot read the SSH key ${file} (from ${from}): ${(err as Error).message}`, 'Check the path and that the file is readable by you.')
  }
  const parsed = parsePrivate(data, passphrase)
  if (parsed.ok) return { data, parsed: parsed.key }
  if (parsed.encrypted && !required) return 'encrypted'
  if (parsed.encrypted) {
    throw new IdentityError(`the SSH key ${file} is encrypted${passphrase ? ' and LASTMILE_SSH_PASSPHRASE does not open it' : ''}`, 'Set LASTMILE_SSH_PASSPHRASE, or load the key into ssh-agent and unset LASTMILE_SSH_KEY.')
  }
  throw new IdentityError(`${file} (from ${from}) is not a usable SSH private key: ${parsed.message}`, 'Use an OpenSSH ed25519 or RSA private key (`ssh-keygen -t ed25519`).')
}

function parsePrivate(data: Buffer, passphrase: string | undefined): { ok: true; key: ParsedKey } | { ok: false; encrypted: boolean; message: string } {
  const r = utils.parseKey(data, passphrase)
  if (r instanceof Error) return { ok: false, encrypted: /passphrase|encrypted|decrypt/i.test(r.message), message: r.message }
  const key = Array.isArray(r) ? (r[0] as ParsedKey) : r
  if (!key.isPrivateKey()) return { ok: false, encrypted: false, message: 'it is a public key' }
  return { ok: true, key }
}

function identify(
  found: { source: ResolvedIdentity['source']; file?: string; key: LoadedKey; passphrase: string | undefined; agentSock: string | undefined },
  operators: Operator[],
): ResolvedIdentity {
  const blob = found.key.parsed.getPublicSSH()
  const fingerprint = fingerprintOfBlob(blob)
  const publicKey = `${found.key.parsed.type} ${blob.toString('base64')}`
  const op = operatorForBlob(blob, operators)
  const identity: SshIdentity = {
    privateKey: found.key.data,
    ...(found.passphrase ? { passphrase: found.passphrase } : {}),
    offered: [`${found.file ?? 'the lab key'} (${fingerprint})`],
  }
  return {
    identity,
    source: found.source,
    ...(found.file ? { keyFile: found.file } : {}),
    publicKey,
    fingerprint,
    ...(op ? { operator: op } : {}),
    towns: op ? townsOf(op) : [],
    ...(op ? {} : { warning: `the key ${found.file ?? ''} (${fingerprint}) is not any operator's key in operators.yaml; stations will refuse it` }),
  }
}

function operatorForBlob(blob: Buffer, operators: Operator[]): Operator | undefined {
  return operators.find((o) => parsePublicKeyLine(o.sshPublicKey)?.blob.equals(blob))
}

function townsOf(op: Operator): 'all' | string[] {
  return op.role === 'district' ? 'all' : [...op.towns]
}

function checkClaim(claimed: string, configFile: string, resolved: ResolvedIdentity, operators: Operator[]): void {
  if (!operators.some((o) => o.id === claimed)) {
    throw new IdentityError(`${configFile} says you are operator ${claimed}, but operators.yaml has no such operator`, `Use one of: ${operators.map((o) => o.id).join(', ')}.`)
  }
  if (resolved.operator?.id !== claimed) {
    const actually = resolved.operator ? `the key of operator ${resolved.operator.id}` : 'not the key of any operator'
    throw new IdentityError(
      `${configFile} says you are operator ${claimed}, but ${resolved.keyFile} (${resolved.fingerprint}) is ${actually}`,
      `Point privateKey at ${claimed}'s key, or ask the district admin to put your public key (${resolved.publicKey}) in operators.yaml for ${claimed}.`,
    )
  }
}

async function readOperatorConfig(file: string, read: (f: string) => Promise<Buffer>): Promise<{ operator?: string; privateKey: string } | undefined> {
  let text: string
  try {
    text = (await read(file)).toString('utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new IdentityError(`cannot read ${file}: ${(err as Error).message}`, 'Check that the file is readable by you.')
  }
  let data: unknown
  try {
    data = parseYaml(text)
  } catch (err) {
    throw new IdentityError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'It holds two keys: `operator: <your id in operators.yaml>` and `privateKey: <path to your key>`.')
  }
  const obj = (data ?? {}) as Record<string, unknown>
  if (typeof obj.privateKey !== 'string' || (obj.operator !== undefined && typeof obj.operator !== 'string')) {
    throw new IdentityError(`${file} must have \`privateKey: <path>\` (and optionally \`operator: <id>\`)`, 'Example:\n  operator: fengcheng-admin-1\n  privateKey: ~/.ssh/lastmile_ed25519')
  }
  return { privateKey: obj.privateKey, ...(typeof obj.operator === 'string' ? { operator: obj.operator } : {}) }
}

function expandHome(p: string, home: string, relativeTo?: string): string {
  if (p === '~') return home
  if (p.startsWith('~/')) return path.join(home, p.slice(2))
  return relativeTo ? path.resolve(relativeTo, p) : path.resolve(p)
}

function listAgentKeys(socket: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    new OpenSSHAgent(socket).getIdentities((err, keys) => {
      if (err) reject(err)
      else resolve((keys ?? []).flatMap((k) => (typeof (k as ParsedKey).getPublicSSH === 'function' ? [(k as ParsedKey).getPublicSSH()] : [])))
    })
  })
}
