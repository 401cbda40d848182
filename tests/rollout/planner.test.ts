import { describe, expect, it } from 'vitest'
import { pickCanaries, planWaves, singleWave } from '../../src/rollout/planner.js'
import type { PlanStation } from '../../src/rollout/types.js'

const towns = [
  { code: '441802006000', slug: 'fengcheng', name: '凤城街道' },
  { code: '441802003000', slug: 'dongcheng', name: '东城街道' },
  { code: '441802103000', slug: 'feilaixia', name: '飞来峡镇' },
]

function fleet(perTown: number[], canaries: string[] = []): PlanStation[] {
  const out: PlanStation[] = []
  towns.forEach((t, ti) => {
    for (let i = (perTown[ti] ?? 0); i >= 1; i--) {
      // written in reverse order on purpose: the plan must not depend on file order
      const id = t.code.slice(0, 9) + String(i).padStart(3, '0')
      out.push({ id, name: `${t.name}-${i}`, town: t, canary: canaries.includes(id) })
    }
  })
  return out
}

function everyOnce(stations: PlanStation[], waves: { stations: string[] }[]): void {
  const seen = waves.flatMap((w) => w.stations)
  expect(seen.length).toBe(stations.length)
  expect(new Set(seen)).toEqual(new Set(stations.map((s) => s.id)))
}

describe('planWaves', () => {
  it('wave 0 is one canary per town (the first station by id), then one wave per town in NBS-code order', () => {
    const s = fleet([5, 3, 4])
    const waves = planWaves(s)
    expect(waves.map((w) => w.name)).toEqual(['canary', 'dongcheng', 'fengcheng', 'feilaixia'])
    expect(waves[0]?.stations).toEqual(['441802003001', '441802006001', '441802103001'])
    expect(waves[1]?.stations).toEqual(['441802003002', '441802003003'])
    expect(waves.map((w) => w.index)).toEqual([0, 1, 2, 3])
    everyOnce(s, waves)
  })

  it('honours the inventory canaries: named ones replace the default in their town only', () => {
    const s = fleet([5, 3, 4], ['441802006004', '441802006002'])
    const canary = planWaves(s)[0]
    expect(canary?.stations).toEqual(['441802003001', '441802006002', '441802006004', '441802103001'])
    expect(pickCanaries(s).map((x) => x.id)).toEqual(canary?.stations)
    everyOnce(s, planWaves(s))
  })

  it('is deterministic whatever the input order', () => {
    const s = fleet([5, 3, 4])
    expect(planWaves([...s].reverse())).toEqual(planWaves(s))
  })

  it('splits a town wave by waveSize', () => {
    const s = fleet([9, 1, 1])
    const waves = planWaves(s, { waveSize: 3 })
    expect(waves.map((w) => w.name)).toEqual(['canary', 'fengcheng-1', 'fengcheng-2', 'fengcheng-3'])
    everyOnce(s, waves)
  })

  it('percentage batches: ceil(percent of the fleet), round-robin across towns, every station once', () => {
    const s = fleet([5, 3, 4])
    const waves = planWaves(s, { strategy: { percent: 25 } })
    expect(waves[0]?.kind).toBe('canary')
    expect(waves.slice(1).every((w) => w.stations.length <= 3)).toBe(true)
    expect(waves[1]?.stations).toEqual(['441802003002', '441802006002', '441802103002'])
    everyOnce(s, waves)
    expect(() => planWaves(s, { strategy: { percent: 0 } })).toThrow(/between 1% and 100%/)
  })

  it('no canary wave when it would be the whole plan, or when asked (push)', () => {
    const one = fleet([1, 1, 0])
    expect(planWaves(one).map((w) => w.kind)).toEqual(['town', 'town'])
    expect(planWaves(fleet([3, 2, 0]), { canaries: false }).map((w) => w.name)).toEqual(['dongcheng', 'fengcheng'])
    expect(planWaves([])).toEqual([])
  })

  it('singleWave holds every station in town then id order', () => {
    const s = fleet([2, 2, 0])
    expect(singleWave(s)).toEqual([{ index: 0, name: 'all', kind: 'all', stations: ['441802003001', '441802003002', '441802006001', '441802006002'] }])
  })
})
