import { describe, expect, it } from 'vitest'
import { createLabLog } from '../../src/lab/log.js'

describe('the lab log', () => {
  it('is bounded: past perMinute lines it counts, and says how many it dropped once the minute is over', () => {
    let now = 0
    const lines: string[] = []
    const log = createLabLog((l) => lines.push(l), { perMinute: 3, now: () => now })
    for (let i = 0; i < 10; i++) log.error(`refused ${i}`)
    expect(lines).toHaveLength(3)
    now = 61_000
    log.info('ready')
    expect(lines.slice(3).map((l) => l.replace(/^\S+ /, ''))).toEqual(['info  7 log lines suppressed in the last minute\n', 'info  ready\n'])
  })

  it('writes debug lines only when asked (LASTMILE_LAB_DEBUG=1)', () => {
    const lines: string[] = []
    createLabLog((l) => lines.push(l)).debug('connection reset')
    createLabLog((l) => lines.push(l), { debug: true }).debug('connection reset')
    expect(lines).toHaveLength(1)
  })
})
