/**
 * Bounded retries with exponential backoff and full jitter (delay = random() × min(max, base × 2^n)),
 * so 152 stations behind one flapping town uplink do not all knock again at the same instant.
 * Only connection-phase failures are retried; the caller decides which (see `connect`).
 */
export interface RetryPolicy {
  /** total attempts, including the first (1 = no retry) */
  attempts: number
  baseMs: number
  maxMs: number
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 3, baseMs: 1000, maxMs: 15_000 }

/** The delay before attempt `attempt + 1`, after `attempt` (1-based) failed. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
  return Math.floor(random() * cap)
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `fn` up to `policy.attempts` times while `retryable(err)` says so. Every loop is bounded
 * by the policy; at least one attempt is always made.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { policy: RetryPolicy; retryable: (err: unknown) => boolean; sleep?: (ms: number) => Promise<void>; random?: () => number; onRetry?: (err: unknown, attempt: number, delayMs: number) => void },
): Promise<{ value: T; attempts: number }> {
  const attempts = Math.max(1, Math.floor(opts.policy.attempts))
  const sleep = opts.sleep ?? realSleep
  const random = opts.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt }
    } catch (err) {
      if (attempt >= attempts || !opts.retryable(err)) throw err
      const delay = backoffDelay(attempt, opts.policy, random)
      opts.onRetry?.(err, attempt, delay)
      await sleep(delay)
    }
  }
}
