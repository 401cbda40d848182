import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { installInterrupts } from '../../src/rollout/interrupt.js'
import { LiveReporter, PlainReporter, chooseReporter, nullReporter } from '../../src/rollout/progress.js'
import type { PlanStation } from '../../src/rollout/types.js'

const st: PlanStation = { id: '441802006001', name: '高基里', town: { code: '441802006000', slug: 'fengcheng', name: '凤城街道' }, canary: true }
const waves = Array.from({ length: 9 }, (_, i) => ({ index: i, name: i === 1 ? 'fengcheng' : `w${i}`, kind: 'town' as const, stations: i === 1 ? [st.id] : [] }))

describe('progress', () => {
  it('plain: one line per event, as documented', () => {
    const lines: string[] = []
    const r = new PlainReporter((l) => lines.push(l))
    r.start({ runId: 'r1', command: 'rollout', waves, stations: new Map([[st.id, st]]) })
    r.event({ type: 'confirmed', wave: 1, station: st.id, configId: 'c', ms: 1234, timings: {} })
    r.event({ type: 'failed', wave: 1, station: st.id, configId: null, errorClass: 'auth', message: 'refused', ms: 50, timings: {} })
    r.event({ type: 'probed', wave: 1, station: st.id, appliedId: null, pendingId: null, changed: [], ms: 1 })
    expect(lines).toEqual(['rollout r1: 1 station in 9 waves', '[wave 2/9 fengcheng] 441802006001 高基里 confirmed 1.2s', '[wave 2/9 fengcheng] 441802006001 高基里 failed (auth) 0.1s: refused'])
  })

  it('live: a compact block with per-wave counts and the slowest station in flight', () => {
    let t = 0
    const out: string[] = []
    const r = new LiveReporter({ write: (s: string) => out.push(s), columns: 120 }, () => t, 1_000_000)
    r.start({ runId: 'r1', command: 'rollout', waves: waves.slice(0, 2), stations: new Map([[st.id, st]]) })
    r.event({ type: 'wave-started', wave: 1, name: 'fengcheng', stations: [st.id] })
    r.event({ type: 'station-started', wave: 1, station: st.id, attempt: 1 })
    t = 42_000
    const block = r.render()
    expect(block[0]).toBe('rollout r1  0/1 stations done')
    expect(block.some((l) => l.includes('▶ wave 2/2 fengcheng') && l.includes('1 running'))).toBe(true)
    expect(block.at(-1)).toContain('slowest: 441802006001 高基里 running 42s')
    r.finish()
  })

  it('json → nothing; CI or no TTY → plain', () => {
    expect(chooseReporter({ json: true, stream: process.stderr })).toBe(nullReporter)
    const fake = Object.assign(new EventEmitter(), { isTTY: true, write: () => true }) as unknown as NodeJS.WriteStream
    expect(chooseReporter({ json: false, stream: fake, env: { CI: 'true' } })).toBeInstanceOf(PlainReporter)
    expect(chooseReporter({ json: false, stream: fake, env: {} })).toBeInstanceOf(LiveReporter)
  })
})

describe('Ctrl-C', () => {
  it('first: abort signal (stop starting stations); second: the hard stop', () => {
    const proc = new EventEmitter()
    const calls: string[] = []
    const { controller, dispose } = installInterrupts({ onFirst: () => calls.push('first'), onSecond: () => calls.push('second'), target: proc as unknown as NodeJS.Process })
    proc.emit('SIGINT')
    expect(controller.signal.aborted).toBe(true)
    proc.emit('SIGINT')
    expect(calls).toEqual(['first', 'second'])
    dispose()
    expect(proc.listenerCount('SIGINT')).toBe(0)
  })
})
