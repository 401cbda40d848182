import { beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { resolveTowns, selectStations } from '../../src/inventory/select.js'
import { MINI, REAL } from './helpers/mini.js'

let real: Inventory
let mini: Inventory
beforeAll(async () => {
  real = (await loadInventoryOrThrow(REAL)).inventory
  mini = (await loadInventoryOrThrow(MINI)).inventory
})

const codes = (towns: Array<{ code: string }>): string[] => towns.map((t) => t.code)

describe('resolveTowns', () => {
  it('returns every town without filters', () => {
    expect(resolveTowns(real, undefined)).toHaveLength(8)
    expect(resolveTowns(real, [])).toHaveLength(8)
  })

  it('accepts the NBS code (12 or 9 digits), the slug and the Chinese name with or without 街道/镇', () => {
    for (const f of ['441802103000', '441802103', 'yuantan', 'YuanTan', '源潭镇', '源潭']) expect(codes(resolveTowns(real, [f])), f).toEqual(['441802103000'])
    expect(codes(resolveTowns(real, ['凤城街道办事处']))).toEqual(['441802006000'])
  })

  it('returns each town once, in inventory order', () => {
    const towns = resolveTowns(real, ['源潭', 'fengcheng', '441802103000'])
    expect(towns.map((t) => t.slug).sort()).toEqual(['fengcheng', 'yuantan'])
  })

  it('names every unknown town and lists the valid ones (UsageError, exit 2)', () => {
    let err: unknown
    try {
      resolveTowns(mini, ['fengcheng', 'nowhere', '东城'])
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UsageError)
    const e = err as UsageError
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain("'nowhere', '东城'")
    expect(e.hint).toContain('441802006000 fengcheng 凤城街道')
    expect(e.hint).toContain('441802104000 feilaixia 飞来峡镇')
  })
})

describe('selectStations', () => {
  it('selects every active station without filters (152, not 美林湖)', () => {
    const all = selectStations(real)
    expect(all).toHaveLength(152)
    expect(all.some((s) => s.id === '441802106005')).toBe(false)
    expect(selectStations(real, { includeInactive: true })).toHaveLength(153)
  })

  it('filters by town and by station; both must match', () => {
    expect(selectStations(real, { towns: ['石角镇'] })).toHaveLength(19)
    expect(selectStations(real, { stations: ['441802103203'] }).map((s) => s.name)).toEqual(['青龙村委会'])
    expect(selectStations(real, { towns: ['yuantan'], stations: ['441802103203'] })).toHaveLength(1)
  })

  it('rejects unknown station ids, stations outside the selected towns, and stations that do not exist yet', () => {
    expect(() => selectStations(real, { stations: ['441802103299'] })).toThrow(/441802103299 is not in the inventory \(源潭镇 has e\.g\. 441802103201 踵头村委会/)
    expect(() => selectStations(real, { stations: ['青龙'] })).toThrow(/12-digit NBS code/)
    expect(() => selectStations(real, { towns: ['fengcheng'], stations: ['441802103203'] })).toThrow(/is in 源潭镇, not in the selected town/)
    expect(() => selectStations(real, { stations: ['441802106005'] })).toThrow(/美林湖社区居委会 \(441802106005\) has no service station yet/)
    expect(selectStations(real, { stations: ['441802106005'], includeInactive: true })).toHaveLength(1)
  })

  it('a committee without a station: the hint says what hasStation means and where to set it, not how to spell an id', () => {
    const err = (() => {
      try {
        selectStations(real, { stations: ['441802106005'] })
      } catch (e) {
        return e as UsageError
      }
      throw new Error('expected a UsageError')
    })()
    expect(err.hint).toMatch(/hasStation: true .*towns\/\w+\.yaml/)
    expect(err.hint).not.toContain('12-digit')
  })

  it('is pure: the inventory is not changed', () => {
    const before = JSON.stringify(real.stations.map((s) => s.id))
    selectStations(real, { towns: ['yuantan'] })
    expect(JSON.stringify(real.stations.map((s) => s.id))).toBe(before)
  })
})
