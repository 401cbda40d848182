import { describe, expect, it } from 'vitest'
import { pickNext, schedule } from '../../src/rollout/scheduler.js'

/** A task whose end the test decides: no timers. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('pickNext', () => {
  it('skips a full town, stops at the global limit', () => {
    const waiting = [{ id: 'a', town: 'T1' }, { id: 'b', town: 'T2' }]
    expect(pickNext(waiting, new Map([['T1', 2]]), 2, { maxConcurrent: 5, perTownConcurrent: 2 })).toBe(1)
    expect(pickNext(waiting, new Map([['T1', 2]]), 5, { maxConcurrent: 5, perTownConcurrent: 2 })).toBe(-1)
    expect(pickNext([], new Map(), 0, { maxConcurrent: 5, perTownConcurrent: 2 })).toBe(-1)
  })
})

describe('schedule', () => {
  it('never exceeds the global or per-town limits, and runs everything', async () => {
    // 3 towns × 7 stations, random completion order (seeded), limits 5 global / 2 per town
    const items = ['A', 'B', 'C'].flatMap((t) => Array.from({ length: 7 }, (_, i) => ({ id: `${t}${i}`, town: t })))
    const gates = new Map(items.map((i) => [i.id, deferred()]))
    const running = new Map<string, number>()
    let total = 0
    let maxTotal = 0
    let maxTown = 0
    const p = schedule(items, {
      limits: { maxConcurrent: 5, perTownConcurrent: 2 },
      run: async (item) => {
        total++
        running.set(item.town, (running.get(item.town) ?? 0) + 1)
        maxTotal = Math.max(maxTotal, total)
        maxTown = Math.max(maxTown, running.get(item.town) ?? 0)
        await gates.get(item.id)?.promise
        total--
        running.set(item.town, (running.get(item.town) ?? 0) - 1)
        return item.id
      },
    })
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let round = 0; round < 200 && total >= 0; round++) {
      await tick()
      const open = items.filter((i) => (running.get(i.town) ?? 0) > 0)
      if (open.length === 0 && round > 5) break
      const pick = [...gates.entries()][Math.floor(rand() * gates.size)]
      if (pick) {
        pick[1].resolve()
        gates.delete(pick[0])
      }
    }
    for (const g of gates.values()) g.resolve()
    const r = await p
    expect(r.results.size).toBe(21)
    expect(r.notStarted).toEqual([])
    expect(maxTotal).toBe(5)
    expect(maxTown).toBe(2)
  })

  it('a busy town does not block the others (order kept otherwise)', async () => {
    const started: string[] = []
    const items = [{ id: 'a1', town: 'A' }, { id: 'a2', town: 'A' }, { id: 'b1', town: 'B' }]
    const gate = deferred()
    const p = schedule(items, { limits: { maxConcurrent: 10, perTownConcurrent: 1 }, run: async (i) => { started.push(i.id); await gate.promise } })
    await tick()
    expect(started).toEqual(['a1', 'b1'])
    gate.resolve()
    await p
    expect(started).toEqual(['a1', 'b1', 'a2'])
  })

  it('mayStart false: starts nothing more, lets running ones finish, returns the rest', async () => {
    let stop = false
    const done: string[] = []
    const items = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, town: 'T' }))
    const r = await schedule(items, {
      limits: { maxConcurrent: 2, perTownConcurrent: 2 },
      mayStart: () => !stop,
      run: async (i) => {
        await tick()
        done.push(i.id)
        if (i.id === 's2') stop = true
      },
    })
    expect(done.length).toBeLessThan(6)
    expect([...r.results.keys()].sort()).toEqual([...done].sort())
    expect(r.notStarted.map((i) => i.id)).toEqual(items.map((i) => i.id).filter((id) => !done.includes(id)))
  })

  it('empty input resolves at once; a throwing task rejects after the others settle', async () => {
    expect((await schedule([], { limits: { maxConcurrent: 1, perTownConcurrent: 1 }, run: async () => 1 })).results.size).toBe(0)
    const settled: string[] = []
    await expect(
      schedule([{ id: 'x', town: 'T' }, { id: 'y', town: 'U' }], {
        limits: { maxConcurrent: 2, perTownConcurrent: 1 },
        run: async (i) => {
          if (i.id === 'x') throw new Error('bug')
          await tick()
          settled.push(i.id)
        },
      }),
    ).rejects.toThrow('bug')
    expect(settled).toEqual(['y'])
  })
})
