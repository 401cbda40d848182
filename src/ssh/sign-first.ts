import type { Client } from 'ssh2'

/** ssh2's parsed private key, as its client hands it to the protocol layer. */
interface ParsedKey {
  sign(data: Buffer, hash?: string): Buffer | Error
  isPrivateKey(): boolean
}

type Sign = (data: Buffer, done: (signature: Buffer) => void) => void
type AuthPK = (username: string, key: unknown, keyAlgo?: string | Sign, sign?: Sign) => void

/** The hash each public-key signature algorithm signs with (ssh2's getKeyAlgos). */
const HASH_OF: Record<string, string> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' }

function isParsedPrivateKey(k: unknown): k is ParsedKey {
  return typeof k === 'object' && k !== null && typeof (k as ParsedKey).sign === 'function' && typeof (k as ParsedKey).isPrivateKey === 'function' && (k as ParsedKey).isPrivateKey()
}

/**
 * Sends the public-key signature in the first authentication request.
 *
 * ssh2's client first asks whether the server would take the key (a "publickey check") and signs
 * only after the server says yes: two round trips, where RFC 4252 §7 lets a client sign at once
 * (OpenSSH's sshd and dropbear accept it; a key the server does not take is refused the same
 * way). On a 200 ms rural link that is 200 ms per connection, and a changed station costs three
 * connections. Only a private key held here is signed with at once; ssh-agent keys keep the
 * check (the agent may ask its user before it signs).
 *
 * This wraps ssh2's internal protocol object after `connect()`: when the object is not what ssh2
 * 1.x has (another version), nothing is changed and it returns false.
 */
export function signOnFirstRequest(client: Client): boolean {
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPK } })._protocol
  if (!proto || typeof proto.authPK !== 'function' || proto.authPK.length !== 4) return false
  const authPK = proto.authPK.bind(proto) as AuthPK
  proto.authPK = (username, key, keyAlgo, sign) => {
    if (typeof keyAlgo === 'function' || sign !== undefined || !isParsedPrivateKey(key)) return authPK(username, key, keyAlgo, sign)
    const hash = keyAlgo === undefined ? undefined : HASH_OF[keyAlgo]
    return authPK(username, key, keyAlgo, (data, done) => {
      const signature = key.sign(data, hash)
      // As ssh2 does when signing fails after its check: an authentication error on the client.
      if (signature instanceof Error) client.emit('error', Object.assign(signature, { level: 'client-authentication', message: `Error signing data with key: ${signature.message}` }))
      else done(signature)
    })
  }
  return true
}
