import { beforeAll, describe, expect, it } from 'vitest'
import { stringWidth } from '../../src/cli/table.js'
import { formatShow } from '../../src/inventory/format-show.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { summarise } from '../../src/inventory/show.js'
import { MINI, REAL } from './helpers/mini.js'

let real: Inventory
let mini: Inventory
beforeAll(async () => {
  real = (await loadInventoryOrThrow(REAL)).inventory
  mini = (await loadInventoryOrThrow(MINI)).inventory
})

describe('inventory show', () => {
  it('totals the real inventory and compares them with the programme', () => {
    const r = summarise(real, {})
    expect(r.totals).toMatchObject({ towns: 8, stations: 152, withoutStation: 1, ecommerce: 112, settopBoxHouseholds: 30_000, infoPoints: 1_000 })
    expect(r.programme?.ok).toBe(true)
    expect(r.programme?.rows.map((x) => [x.key, x.inventory, x.programme])).toEqual([
      ['towns', 8, 8],
      ['stations', 152, 152],
      ['ecommerceStations', 112, 112],
      ['settopBoxHouseholds', 30_000, 30_000],
      ['infoPoints', 1_000, 1_000],
    ])
    expect(r.towns.map((t) => t.slug)).toEqual(['fengcheng', 'dongcheng', 'zhouxin', 'henghe', 'yuantan', 'longtang', 'shijiao', 'feilaixia'])
    expect(r.towns.reduce((n, t) => n + t.stations, 0)).toBe(152)
    expect(r.totals.computers).toBe(r.totals.devicesByType.computer)
    expect(r.filter).toBeNull()
  })

  it('narrows to towns (code, slug or name) and then does not compare with the programme', () => {
    const r = summarise(real, { towns: ['石角', '441802103000'] })
    expect(r.towns.map((t) => t.name)).toEqual(['源潭镇', '石角镇'])
    expect(r.totals).toMatchObject({ towns: 2, stations: 21 + 19, withoutStation: 1 })
    expect(r.programme).toBeNull()
    expect(r.filter?.towns).toEqual(['441802103000', '441802106000'])
  })

  it('returns a station record with secrets as refs only', () => {
    const r = summarise(mini, { stations: ['441802104201'] })
    const rec = r.stations![0]!
    expect(rec.wifi?.staff.key).toEqual({ secret: 'wifi/441802104201/staff' })
    expect(rec.source).toEqual({ file: expect.stringContaining('feilaixia.yaml') as string, line: 8 })
    expect(rec.town).toEqual({ code: '441802104000', name: '飞来峡镇', slug: 'feilaixia' })
  })

  it('prints aligned tables (CJK counts two columns) and the programme line', () => {
    const text = formatShow(summarise(real, {}))
    expect(text).toContain('programme 2015: every target met (5 of 5)')
    const lines = text.split('\n')
    const rule = lines.findIndex((l) => l.startsWith('─────────  ────'))
    const rows = lines.slice(rule + 1, rule + 9)
    expect(rows[0]).toMatch(/^凤城街道 +441802006000 +27 +0 /)
    // every row of the per-town table puts the code in the same display column
    const codeColumn = (l: string): number => stringWidth(l.slice(0, l.indexOf('4418')))
    expect(new Set(rows.map(codeColumn)).size).toBe(1)
  })
})
