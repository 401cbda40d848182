import { describe, expect, it } from 'vitest'
import { backoffDelay, withRetries } from '../../src/ssh/retry.js'

describe('retries', () => {
  const policy = { attempts: 5, baseMs: 100, maxMs: 1000 }

  it('full jitter: random × min(max, base × 2^(n-1))', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000])
    expect(backoffDelay(3, policy, () => 0)).toBe(0)
    expect(backoffDelay(3, policy, () => 0.25)).toBe(100)
  })

  it('stops at the attempt limit and only for retryable errors', async () => {
    const delays: number[] = []
    let calls = 0
    await expect(
      withRetries(
        async () => {
          calls++
          throw new Error('down')
        },
        { policy, retryable: () => true, sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
      ),
    ).rejects.toThrow('down')
    expect(calls).toBe(5)
    expect(delays).toEqual([50, 100, 200, 400])

    calls = 0
    await expect(withRetries(async () => { calls++; throw new Error('auth') }, { policy, retryable: () => false, sleep: async () => undefined })).rejects.toThrow('auth')
    expect(calls).toBe(1)
  })

  it('returns the value and the attempt it took', async () => {
    let calls = 0
    const r = await withRetries(async () => (++calls < 3 ? Promise.reject(new Error('x')) : 'ok'), { policy, retryable: () => true, sleep: async () => undefined })
    expect(r).toEqual({ value: 'ok', attempts: 3 })
  })
})
