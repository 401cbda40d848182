import { beforeAll, describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/cli/errors.js'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { resolveScope } from '../../src/health/scope.js'
import type { Inventory } from '../../src/inventory/model.js'
import { loadMini, loadQingcheng } from './helpers.js'

let mini: Inventory
let qc: Inventory
beforeAll(async () => {
  mini = await loadMini()
  qc = await loadQingcheng()
})

const fengchengAdmin = { operator: 'fengcheng-admin-1', towns: ['441802006000'] }

function refusal(fn: () => unknown): InvalidInputError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError)
    return err as InvalidInputError
  }
  throw new Error('expected a refusal')
}

describe('scope', () => {
  it('a district operator sees every active station', () => {
    const s = resolveScope({ inventory: qc, identity: { operator: 'district-admin-1', towns: 'all' } })
    expect(s.stations.length).toBe(qc.stations.filter((x) => x.hasStation).length)
    expect(s.towns).toHaveLength(8)
  })

  it('a town operator sees only their town', () => {
    const s = resolveScope({ inventory: qc, identity: fengchengAdmin })
    expect(s.stations.length).toBeGreaterThan(0)
    expect(new Set(s.stations.map((x) => x.town.slug))).toEqual(new Set(['fengcheng']))
    expect(s.towns.map((t) => t.slug)).toEqual(['fengcheng'])
    // their own town asked for by Chinese name is fine
    expect(resolveScope({ inventory: qc, identity: fengchengAdmin, towns: ['凤城街道'] }).stations).toEqual(s.stations)
  })

  it('a town operator asking for another town is refused: exit 3, naming the operator and their towns', () => {
    const err = refusal(() => resolveScope({ inventory: qc, identity: fengchengAdmin, towns: ['yuantan'] }))
    expect(err.exitCode).toBe(ExitCode.InvalidInput)
    expect(err.exitCode).toBe(3)
    expect(err.message).toContain('operator fengcheng-admin-1 (邓美玲)')
    expect(err.message).toContain('may only see 凤城街道 (fengcheng, 441802006000)')
    expect(err.message).toContain('源潭镇 (yuantan')
    expect(err.hint).toContain('Leave out --town')
  })

  it('a station of another town is refused too, never silently dropped', () => {
    const foreign = qc.stations.find((s) => s.town.slug === 'yuantan' && s.hasStation)!
    const own = qc.stations.find((s) => s.town.slug === 'fengcheng' && s.hasStation)!
    const err = refusal(() => resolveScope({ inventory: qc, identity: fengchengAdmin, stations: [own.id, foreign.id] }))
    expect(err.exitCode).toBe(3)
    expect(err.message).toContain('fengcheng-admin-1')
    expect(err.problems.some((p) => p.station === foreign.id)).toBe(true)
  })

  it('--as must match the key; a district key may narrow to a town view', () => {
    const err = refusal(() => resolveScope({ inventory: mini, identity: { operator: 'fengcheng-admin-1', towns: ['441802006000'] }, as: 'qcq-district-admin' }))
    expect(err.message).toContain('does not match your SSH key')
    const narrowed = resolveScope({ inventory: mini, identity: { operator: 'qcq-district-admin', towns: 'all' }, as: 'feilaixia-admin-1' })
    expect(narrowed.operator).toBe('feilaixia-admin-1')
    expect(narrowed.stations.map((s) => s.id)).toEqual(['441802104201'])
  })

  it('a key that is no operator\'s sees nothing and is told why', () => {
    const err = refusal(() => resolveScope({ inventory: mini, identity: { towns: [] } }))
    expect(err.message).toContain('no operator in operators.yaml')
  })

  it('unknown town and station filters are input errors', () => {
    const err = refusal(() => resolveScope({ inventory: mini, identity: { towns: 'all' }, towns: ['nowhere'], stations: ['441802999999'] }))
    expect(err.problems).toHaveLength(2)
  })

  it('accepts every town spelling the other commands accept (NBS code, 9-digit code, slug, Chinese name with or without 街道/镇)', () => {
    const district = { operator: 'district-admin-1', towns: 'all' as const }
    for (const t of ['441802006000', '441802006', 'fengcheng', 'FengCheng', '凤城街道', '凤城']) {
      expect(resolveScope({ inventory: qc, identity: district, towns: [t] }).towns.map((x) => x.slug), t).toEqual(['fengcheng'])
    }
  })

  it('a --station outside the --town asked for is an input error, never an empty result', () => {
    const foreign = qc.stations.find((s) => s.town.slug === 'yuantan' && s.hasStation)!
    const err = refusal(() => resolveScope({ inventory: qc, identity: { operator: 'district-admin-1', towns: 'all' }, towns: ['fengcheng'], stations: [foreign.id] }))
    expect(err.exitCode).toBe(3)
    expect(err.problems[0]?.station).toBe(foreign.id)
    expect(err.problems[0]?.message).toContain('not in the selected town')
  })
})
