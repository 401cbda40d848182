import { describe, expect, it } from 'vitest'
import { canaryAbortConfig, checkAbortConfig, exceeds, shouldAbort, thresholdCounts, type AbortConfig } from '../../src/rollout/thresholds.js'
import { emptyCounts } from '../../src/rollout/types.js'

const cfg: AbortConfig = { failure: { minExecuted: 10, percent: 10 }, unreachable: { minExecuted: 10, percent: 20 } }

describe('shouldAbort (abort when the share EXCEEDS the percent, once minExecuted have executed)', () => {
  it('exactly at the percent does not abort; one more does', () => {
    expect(shouldAbort({ executed: 10, failed: 1, unreachable: 0 }, cfg).abort).toBe(false) // 10% = limit
    expect(shouldAbort({ executed: 20, failed: 2, unreachable: 0 }, cfg).abort).toBe(false) // 10%
    expect(shouldAbort({ executed: 19, failed: 2, unreachable: 0 }, cfg).abort).toBe(true) // 10.5%
    expect(shouldAbort({ executed: 10, failed: 2, unreachable: 0 }, cfg)).toMatchObject({ abort: true, rule: 'failure' })
  })

  it('never before minExecuted, from minExecuted on', () => {
    expect(shouldAbort({ executed: 9, failed: 9, unreachable: 0 }, cfg).abort).toBe(false)
    expect(shouldAbort({ executed: 10, failed: 9, unreachable: 0 }, cfg).abort).toBe(true)
  })

  it('percent 0 = any single one aborts; percent 100 = never', () => {
    expect(exceeds(1, 1, { minExecuted: 1, percent: 0 })).toBe(true)
    expect(exceeds(0, 50, { minExecuted: 1, percent: 0 })).toBe(false)
    expect(exceeds(50, 50, { minExecuted: 1, percent: 100 })).toBe(false)
    // minExecuted 0 behaves as 1: nothing executed, nothing to judge
    expect(exceeds(0, 0, { minExecuted: 0, percent: 0 })).toBe(false)
  })

  it('no float edge: 1 of 3 (33.3…%) exceeds 33% but not 34%', () => {
    expect(exceeds(1, 3, { minExecuted: 1, percent: 33 })).toBe(true) // 33.3% > 33%
    expect(exceeds(1, 3, { minExecuted: 1, percent: 34 })).toBe(false)
  })

  it('unreachable has its own rule and is not a failure', () => {
    expect(shouldAbort({ executed: 10, failed: 0, unreachable: 2 }, cfg).abort).toBe(false) // 20% = limit
    const d = shouldAbort({ executed: 10, failed: 1, unreachable: 3 }, cfg, 'wave 2 (dongcheng)')
    expect(d).toMatchObject({ abort: true, rule: 'unreachable' })
    expect(d.reason).toBe('3 of 10 executed stations in wave 2 (dongcheng) were unreachable (30%), more than the 20% allowed')
  })

  it('rolled back counts as failed; skipped does not count as executed', () => {
    const c = { ...emptyCounts(), confirmed: 7, rolledBack: 1, failed: 1, unreachable: 1, skipped: 40 }
    expect(thresholdCounts(c)).toEqual({ executed: 10, failed: 2, unreachable: 1 })
  })

  it('the canary wave tolerates no failure but keeps the unreachable rule', () => {
    const c = canaryAbortConfig(cfg)
    expect(shouldAbort({ executed: 8, failed: 1, unreachable: 0 }, c).abort).toBe(true)
    expect(shouldAbort({ executed: 8, failed: 0, unreachable: 1 }, c).abort).toBe(false)
  })

  it('checks user values', () => {
    expect(checkAbortConfig(cfg)).toBeUndefined()
    expect(checkAbortConfig({ ...cfg, failure: { minExecuted: 1, percent: 101 } })).toMatch(/between 0 and 100/)
    expect(checkAbortConfig({ ...cfg, unreachable: { minExecuted: 1.5, percent: 1 } })).toMatch(/whole number/)
  })
})
