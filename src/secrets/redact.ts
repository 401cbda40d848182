/**
 * Defence in depth for secret values. `Secret` already masks itself; this
 * registry also scrubs every string leaving through the CLI's output channel
 * (JSON envelope, human output), so a value copied out of a Secret by mistake
 * still never reaches a terminal, a CI log or a report.
 */
const MASK = '‹secret›'
const known = new Set<string>()

/** Values shorter than this are too likely to collide with ordinary text to scrub. */
const MIN_SCRUB_LENGTH = 6

export function registerSecretValue(value: string): void {
  if (value.length >= MIN_SCRUB_LENGTH) known.add(value)
}

export function scrubText(text: string): string {
  let out = text
  for (const v of known) if (out.includes(v)) out = out.split(v).join(MASK)
  return out
}

/** Deep-copies `value`, masking Secret objects (via toJSON) and scrubbing known secret values. */
export function redactSecrets<T>(value: T): T {
  if (known.size === 0) return JSON.parse(JSON.stringify(value ?? null)) as T
  return JSON.parse(JSON.stringify(value ?? null), (_k, v: unknown) => (typeof v === 'string' ? scrubText(v) : v)) as T
}
