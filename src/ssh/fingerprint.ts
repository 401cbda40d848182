import { createHash } from 'node:crypto'

/**
 * Host and user key fingerprints exactly as OpenSSH prints them (`ssh-keygen -lf`,
 * the "ECDSA key fingerprint is SHA256:…" prompt): `SHA256:` + unpadded base64 of the
 * SHA-256 of the public key blob (the SSH wire encoding, i.e. what a known_hosts or
 * authorized_keys line carries in base64).
 */
export function fingerprintOfBlob(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

/** The key type written inside a public key blob (its first SSH string), or undefined if malformed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined
  const len = blob.readUInt32BE(0)
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined
  const type = blob.subarray(4, 4 + len).toString('latin1')
  return /^[a-z0-9@.-]+$/.test(type) ? type : undefined
}

export interface PublicKeyLine {
  type: string
  blob: Buffer
  /** base64 of the blob, as written in the line */
  base64: string
  comment?: string
}

/**
 * Parses one OpenSSH public key line (`ssh-ed25519 AAAA… comment`). Returns undefined when the
 * base64 does not decode to a blob of the stated type, so a copy-paste accident is caught here
 * rather than as a failed login on a station.
 */
export function parsePublicKeyLine(line: string): PublicKeyLine | undefined {
  const parts = line.trim().split(/\s+/)
  const [type, b64, ...rest] = parts
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined
  const blob = Buffer.from(b64, 'base64')
  if (keyTypeOfBlob(blob) !== type) return undefined
  const comment = rest.join(' ')
  return { type, blob, base64: b64, ...(comment ? { comment } : {}) }
}

export function fingerprintOfPublicKeyLine(line: string): string | undefined {
  const k = parsePublicKeyLine(line)
  return k ? fingerprintOfBlob(k.blob) : undefined
}

/** `SHA256:` + 43 base64 characters: the only fingerprint form lastmile stores or compares. */
export function isFingerprint(text: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(text)
}
