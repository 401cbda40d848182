import type { StateCounts } from './types.js'

/**
 * Abort rules, modelled on AWS IoT Jobs' `abortConfig` (failure type +
 * `minNumberOfExecutedThings` + `thresholdPercentage`), with one rule per class:
 * a failure is not an outage, so unreachable stations have their own threshold
 * and never count as failures (the Ansible mix-up, ansible#82834 / #18188).
 *
 * Semantics (documented in docs/rollout.md, unit-tested at the edges):
 * - `executed` = stations with an outcome (confirmed, unchanged, rolled back,
 *   failed, unreachable); skipped stations were never attempted and do not count.
 * - a rule can fire only once `executed >= minExecuted`;
 * - it fires when the class's share of `executed` EXCEEDS `percent`
 *   (strictly greater, like Ansible's max_fail_percentage): with percent 10,
 *   1 failure in 10 (10%) does not abort, 2 in 19 (10.5%) does; percent 0 =
 *   any single one aborts; percent 100 never aborts.
 * - rolled back counts as failed (the config did not stick).
 * Comparison is in integers (`count * 100 > percent * executed`): no float edge.
 */
export interface ThresholdRule {
  minExecuted: number
  percent: number
}

export interface AbortConfig {
  failure: ThresholdRule
  unreachable: ThresholdRule
}

export const defaultAbortConfig: AbortConfig = {
  failure: { minExecuted: 10, percent: 10 },
  unreachable: { minExecuted: 10, percent: 25 },
}

/**
 * The canary wave tolerates no failure: it exists to catch a bad template
 * before it reaches a whole town. Unreachable canaries use the normal rule
 * (an outage says nothing about the config).
 */
export function canaryAbortConfig(config: AbortConfig): AbortConfig {
  return { failure: { minExecuted: 1, percent: 0 }, unreachable: config.unreachable }
}

export interface ThresholdCounts {
  executed: number
  failed: number
  unreachable: number
}

export function thresholdCounts(c: StateCounts): ThresholdCounts {
  const failed = c.failed + c.rolledBack
  return { executed: c.confirmed + c.unchanged + failed + c.unreachable, failed, unreachable: c.unreachable }
}

export interface AbortDecision {
  abort: boolean
  reason: string | null
  /** Which rule fired. */
  rule?: 'failure' | 'unreachable'
}

export function exceeds(count: number, executed: number, rule: ThresholdRule): boolean {
  return executed >= Math.max(1, rule.minExecuted) && count * 100 > rule.percent * executed
}

/** Pure: should the rollout stop, given these counts (of a wave, or of the whole run)? */
export function shouldAbort(counts: ThresholdCounts, config: AbortConfig, scope = 'the run'): AbortDecision {
  const { executed, failed, unreachable } = counts
  if (exceeds(failed, executed, config.failure)) {
    return {
      abort: true,
      rule: 'failure',
      reason: `${failed} of ${executed} executed stations in ${scope} failed or were rolled back (${pct(failed, executed)}), more than the ${config.failure.percent}% allowed`,
    }
  }
  if (exceeds(unreachable, executed, config.unreachable)) {
    return {
      abort: true,
      rule: 'unreachable',
      reason: `${unreachable} of ${executed} executed stations in ${scope} were unreachable (${pct(unreachable, executed)}), more than the ${config.unreachable.percent}% allowed`,
    }
  }
  return { abort: false, reason: null }
}

function pct(n: number, d: number): string {
  return `${d === 0 ? 0 : Math.round((n * 1000) / d) / 10}%`
}

/** Checks a user's values; returns a message for the first bad one. */
export function checkAbortConfig(config: AbortConfig): string | undefined {
  for (const [name, rule] of Object.entries(config) as Array<[string, ThresholdRule]>) {
    if (!(rule.percent >= 0 && rule.percent <= 100)) return `the ${name} threshold must be between 0 and 100 percent, got ${rule.percent}`
    if (!(Number.isInteger(rule.minExecuted) && rule.minExecuted >= 0)) return `the minimum executed stations must be a whole number >= 0, got ${rule.minExecuted}`
  }
  return undefined
}
