import { Drop } from 'liquidjs'
import type { Secret } from '../secrets/secret.js'

/** How a secret appears in the masked view of a rendered file. */
export function maskedSecret(ref: string): string {
  return `‹secret:${ref}›`
}

/** Matches the masked marker; the ref alphabet is the schema's secret-ref alphabet. */
export const MASKED_SECRET_RE = /‹secret:([a-z0-9][a-z0-9/_.-]{0,127})›/g

/** Which secrets went into the file being rendered (the renderer swaps `current` per file). */
export class SecretUse {
  current = new Set<string>()
}

/**
 * A secret as templates see it. The template can only print it (through `uci`
 * or plainly); it cannot reach the Secret object (a private field) or its
 * value by any property name. In `masked` mode it prints as `‹secret:<ref>›`,
 * so the masked view is a second real rendering, not a search-and-replace of
 * values in the output.
 *
 * Every way a template can observe the value (printing, filters, comparisons:
 * liquid reaches a Drop's value only through valueOf) goes through text(),
 * which records the ref. Nothing else differs between the two modes, so a file
 * that recorded no secret renders identically in both: the renderer reuses it.
 */
export class SecretValue extends Drop {
  readonly #secret: Secret
  readonly #masked: boolean
  readonly #use: SecretUse

  constructor(secret: Secret, masked: boolean, use: SecretUse) {
    super()
    this.#secret = secret
    this.#masked = masked
    this.#use = use
  }

  get ref(): string {
    return this.#secret.ref
  }

  /** The text that goes into the file. Only the renderer's filters and output call it. */
  text(): string {
    this.#use.current.add(this.#secret.ref)
    return this.#masked ? maskedSecret(this.#secret.ref) : this.#secret.reveal()
  }

  // Liquid calls valueOf() to print a Drop: `{{ station.tunnel.privateKey }}`.
  override valueOf(): string {
    return this.text()
  }

  override toString(): string {
    return maskedSecret(this.#secret.ref)
  }

  toJSON(): string {
    return maskedSecret(this.#secret.ref)
  }

  // Any other property (`.value`, `.reveal`, a typo) is an error, not an empty string.
  override liquidMethodMissing(key: string | number): never {
    throw new Error(`a secret has no property '${String(key)}': print it with {{ … | uci }}`)
  }
}
