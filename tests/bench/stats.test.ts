import { describe, expect, it } from 'vitest'
import { fmt, formatRatio, formatSpread, median, ratio, spread } from '../../bench/lib/stats.js'

describe('benchmark statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const xs = [3, 1, 2]
    expect(median(xs)).toBe(2)
    expect(xs).toEqual([3, 1, 2])
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('reports median and min–max over the finite values', () => {
    expect(spread([5, 1, NaN, 3])).toEqual({ n: 3, median: 3, min: 1, max: 5 })
    expect(spread([]).n).toBe(0)
  })

  it('gives the ratio of medians, and NaN when the base is missing or zero', () => {
    expect(ratio(spread([2, 2]), spread([10, 12]))).toBe(5.5)
    expect(ratio(undefined, spread([1]))).toBeNaN()
    expect(ratio(spread([0]), spread([1]))).toBeNaN()
  })

  it('formats figures for the tables', () => {
    expect(formatSpread(spread([12.34, 11.9, 13.04]))).toBe('12.3 (11.9–13.0)')
    expect(formatSpread(spread([0.5]), ' s')).toBe('0.50 s')
    expect(formatSpread(undefined)).toBe('—')
    expect(fmt(1234.5)).toBe('1235')
    expect(formatRatio(12.6)).toBe('13×')
    expect(formatRatio(3.14)).toBe('3.1×')
    expect(formatRatio(NaN)).toBe('—')
  })
})
