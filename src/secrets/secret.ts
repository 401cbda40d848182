import { inspect } from 'node:util'
import { createHmac } from 'node:crypto'
import { registerSecretValue } from './redact.js'

export const SECRET_MASK = '‹secret›'

/**
 * A secret value (WiFi PSK, PPPoE password, WireGuard private key). It prints,
 * serialises and inspects as `‹secret›`; only `reveal()` gives the value, and
 * only the renderer calls it, to write station files.
 */
export class Secret {
  readonly ref: string
  readonly #value: string

  constructor(ref: string, value: string) {
    this.ref = ref
    this.#value = value
    registerSecretValue(value)
  }

  reveal(): string {
    return this.#value
  }

  /**
   * A keyed fingerprint for "changed / unchanged" decisions. Keyed with a local
   * random key, so it cannot be brute-forced back to a short PSK the way a
   * plain sha256 could; it is never printed.
   */
  fingerprint(key: Buffer): string {
    return createHmac('sha256', key).update(this.#value).digest('hex')
  }

  toString(): string {
    return SECRET_MASK
  }

  toJSON(): string {
    return SECRET_MASK
  }

  [inspect.custom](): string {
    return SECRET_MASK
  }
}

/** How a secret is written in the inventory: `{secret: "wifi/441802103001/staff"}`. */
export interface SecretRef {
  secret: string
}

export function isSecretRef(v: unknown): v is SecretRef {
  return typeof v === 'object' && v !== null && typeof (v as SecretRef).secret === 'string' && Object.keys(v).length === 1
}
