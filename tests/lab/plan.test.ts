import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { validateInventory } from '../../src/inventory/validate.js'
import { buildPlan } from '../../src/lab/plan.js'
import { resolveShell } from '../../src/lab/shell.js'
import { isSyntheticId, syntheticStationId, writeSyntheticInventory } from '../../src/lab/synthetic.js'

const INV = path.resolve('tests/fixtures/inventory-mini')
let inventory: Inventory
let dir: string
const shell = resolveShell('sh', () => true)
const plan = (stations?: number) => buildPlan(inventory, { labDir: path.join(dir, 'lab'), inventoryDir: INV, stations, port: 2222, shell, preinstallAgent: false })

beforeAll(async () => {
  inventory = (await loadInventoryOrThrow(INV)).inventory
  dir = await mkdtemp(path.join(tmpdir(), 'lastmile-plan-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('which stations the lab runs', () => {
  it('every active station by default, first N with --stations', () => {
    expect(plan().stations.map((s) => s.id)).toEqual(['441802104201', '441802006001'])
    expect(plan(1).stations.map((s) => s.id)).toEqual(['441802104201'])
    expect(plan().synthesized).toBe(0)
    expect(plan().inventory).toBe(INV)
  })

  it('rejects a station count outside 1…10000', () => {
    expect(() => plan(0)).toThrow(RangeError)
    expect(() => plan(10_001)).toThrow(RangeError)
  })

  it('synthesizes stations beyond the inventory: copies of real ones with their own id, address and management address', () => {
    const p = plan(7)
    expect(p.synthesized).toBe(5)
    const made = p.stations.filter((s) => s.synthetic)
    expect(made.map((s) => s.id)).toEqual(['441802900001', '441802900002', '441802900003', '441802900004', '441802900005'])
    expect(made.every((s) => isSyntheticId(s.id))).toBe(true)
    expect(made.map((s) => s.template)).toEqual(['441802104201', '441802006001', '441802104201', '441802006001', '441802104201'])
    expect(made[1]?.devices.map((d) => d.usb).filter(Boolean)).toEqual(['1ea8:fc02', '0b57:8030', '1b55:4500', '0ac8:3610'])
    expect(new Set(p.stations.map((s) => s.host)).size).toBe(7)
    expect(new Set(p.stations.map((s) => s.managementAddress)).size).toBe(7)
    expect(made[0]?.host).toBe('127.240.0.1')
    expect(made[0]?.managementAddress).toBe('10.250.255.254')
    expect(p.inventory).toBe(path.join(dir, 'lab', 'inventory'))
  })

  it('synthesized ids nest under made-up towns of the district, 399 per town', () => {
    expect(syntheticStationId('441802000000', 398)).toBe('441802900399')
    expect(syntheticStationId('441802000000', 399)).toBe('441802901001')
    expect(isSyntheticId('441802006001')).toBe(false)
  })

  it('writes an inventory with the synthesized stations that passes `inventory validate`', async () => {
    const p = plan(12)
    await writeSyntheticInventory(inventory, p)
    const v = await validateInventory({ inventoryDir: p.inventory, env: {} })
    expect(v.problems.filter((x) => x.severity === 'error')).toEqual([])
    expect(v.stations).toBe(12)
    const again = (await loadInventoryOrThrow(p.inventory)).inventory
    expect(again.stations.filter((s) => isSyntheticId(s.id)).map((s) => s.id)).toEqual(p.stations.filter((s) => s.synthetic).map((s) => s.id))
  })
})
