import { createHash } from 'node:crypto'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import ssh2 from 'ssh2'
import type { ParsedKey } from 'ssh2'

const { utils } = ssh2

export interface KeyPair {
  /** OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----). */
  privateKey: string
  /** One authorized_keys line: `ssh-ed25519 AAAA… comment`. */
  publicKey: string
}

/**
 * A new ed25519 key pair. ssh2 1.17's keygen strips a leading zero byte off the
 * public key, so about 1 key in 256 comes out malformed (mscdex/ssh2#1390,
 * #1513): check each one parses, and make another if not (bounded).
 */
export function generateEd25519(comment: string, generate: (comment: string) => { private: string; public: string } = (c) => utils.generateKeyPairSync('ed25519', { comment: c })): KeyPair {
  for (let attempt = 0; attempt < 32; attempt++) {
    const { private: privateKey, public: publicKey } = generate(comment)
    const priv = utils.parseKey(privateKey)
    const pub = utils.parseKey(publicKey)
    if (!(priv instanceof Error) && !(pub instanceof Error)) return { privateKey, publicKey }
  }
  throw new Error('could not generate a valid ed25519 key in 32 attempts')
}

/** Parses one key (private or public, OpenSSH formats); throws with the reason. */
export function parseOneKey(text: string | Buffer, what: string): ParsedKey {
  const parsed = utils.parseKey(text)
  if (parsed instanceof Error) throw new Error(`${what}: ${parsed.message}`)
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (!key) throw new Error(`${what}: no key found`)
  return key
}

/** `SHA256:…` of a key, exactly as `ssh-keygen -l` prints it (base64 of sha256 of the key blob, unpadded). */
export function fingerprint(key: ParsedKey): string {
  return 'SHA256:' + createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')
}

/** The public key line of a key, for authorized_keys. */
export function publicKeyLine(key: ParsedKey, comment = ''): string {
  return `${key.type} ${key.getPublicSSH().toString('base64')}${comment ? ` ${comment}` : ''}`
}

/**
 * Reads a key pair from `file` (private, 0600) or creates it. Kept across
 * `lab up`/`lab down` so host-key pins and operator keys stay valid.
 */
export async function loadOrCreateKey(file: string, comment: string): Promise<{ key: ParsedKey; privateKey: string; created: boolean }> {
  let existing: string | undefined
  try {
    existing = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (existing !== undefined) {
    const parsed = utils.parseKey(existing)
    // A key that does not parse was never served (ssh2's keygen bug, above): replacing it breaks no pin.
    if (!(parsed instanceof Error)) return { key: parseOneKey(existing, file), privateKey: existing, created: false }
  }
  const pair = generateEd25519(comment)
  await writeFile(file, pair.privateKey, { mode: 0o600 })
  await chmod(file, 0o600)
  await writeFile(`${file}.pub`, pair.publicKey + '\n', { mode: 0o644 })
  return { key: parseOneKey(pair.privateKey, file), privateKey: pair.privateKey, created: true }
}

/**
 * Parses authorized_keys text: one key per line, `#` comments and blank lines
 * ignored, leading options not supported (a line with options is skipped and reported).
 */
export function parseAuthorizedKeys(text: string, file: string): { keys: ParsedKey[]; problems: string[] } {
  const keys: ParsedKey[] = []
  const problems: string[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    try {
      keys.push(parseOneKey(line, `${file}:${i + 1}`))
    } catch (err) {
      problems.push(`${(err as Error).message} (one OpenSSH public key per line, no options)`)
    }
  })
  return { keys, problems }
}

/** Same public key? The blob names its own type, so comparing blobs is enough (rsa-sha2-* clients send an ssh-rsa blob). */
export function sameKey(a: ParsedKey, blob: Buffer): boolean {
  return a.getPublicSSH().equals(blob)
}
