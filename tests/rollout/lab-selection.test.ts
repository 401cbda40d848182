import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import { narrowToLab } from '../../src/rollout/lab-selection.js'

const st = (...ids: string[]) => ids.map((id) => ({ id }))

describe('narrowToLab (a push under --lab to a lab of fewer stations)', () => {
  it('keeps the selected stations the lab runs, in order, and counts the rest', () => {
    const r = narrowToLab(st('441802006001', '441802006002', '441802007001'), new Set(['441802007001', '441802006001']), [])
    expect(r).toEqual({ selected: st('441802006001', '441802007001'), leftOut: 1 })
  })

  it('leaves nothing out when the lab runs them all', () => {
    expect(narrowToLab(st('441802006001'), new Set(['441802006001', '441802006002']), ['441802006001'])).toEqual({ selected: st('441802006001'), leftOut: 0 })
  })

  it('refuses a station named with --station that the lab does not run, naming it and the fix', () => {
    const call = () => narrowToLab(st('441802006001', '441802006002'), new Set(['441802006001']), ['441802006001', '441802006002'])
    expect(call).toThrow(UsageError)
    expect(call).toThrow('station 441802006002 is not in the running lab (it runs 1 station)')
    try {
      call()
    } catch (err) {
      expect((err as UsageError).hint).toMatch(/lab status/)
    }
  })

  it('names at most five missing stations', () => {
    const ids = Array.from({ length: 7 }, (_, i) => `44180200600${i}`)
    expect(() => narrowToLab(st(...ids), new Set<string>(), ids)).toThrow(/and 2 more are not in the running lab \(it runs 0 stations\)/)
  })
})
