import { describe, expect, it } from 'vitest'
import { allocateAddresses, isLabAddress, labAddress, MAX_STATIONS_PER_TOWN, MAX_TOWNS } from '../../src/lab/addresses.js'
import { buildPlan } from '../../src/lab/plan.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { resolveShell } from '../../src/lab/shell.js'

describe('lab addresses', () => {
  it('are deterministic: the same slot always gets the same address', () => {
    expect(labAddress({ town: 0, index: 0 })).toBe('127.20.0.1')
    expect(labAddress({ town: 3, index: 249 })).toBe('127.23.0.250')
    expect(labAddress({ town: 3, index: 250 })).toBe('127.23.1.1')
    expect(labAddress({ town: 'synthetic', index: 999 })).toBe('127.240.3.250')
    expect(labAddress({ town: 5, index: 17 })).toBe(labAddress({ town: 5, index: 17 }))
  })

  it('are unique, inside 127/8 and never 127.0.0.1, for 8 towns × 250 stations and 1,000 synthesized ones', () => {
    const slots = [
      ...Array.from({ length: 8 }, (_, t) => Array.from({ length: 250 }, (_, i) => ({ town: t, index: i }))).flat(),
      ...Array.from({ length: 1000 }, (_, i) => ({ town: 'synthetic' as const, index: i })),
    ]
    const addrs = allocateAddresses(slots)
    expect(new Set(addrs).size).toBe(slots.length)
    const bad = addrs.filter((a) => !a.startsWith('127.') || a === '127.0.0.1' || a.startsWith('127.0.') || !isLabAddress(a))
    expect(bad).toEqual([])
  })

  it('refuse slots they cannot address instead of wrapping around onto another station', () => {
    expect(() => labAddress({ town: MAX_TOWNS, index: 0 })).toThrow(/town index/)
    expect(() => labAddress({ town: 0, index: MAX_STATIONS_PER_TOWN })).toThrow(/station index/)
    expect(() => labAddress({ town: 0, index: -1 })).toThrow(RangeError)
    expect(() => allocateAddresses([{ town: 1, index: 2 }, { town: 1, index: 2 }])).toThrow(/both listen on 127.21.0.3/)
  })

  it('isLabAddress rejects what the lab never listens on', () => {
    for (const a of ['127.0.0.1', '127.0.5.1', '10.20.0.1', '127.20.0.0', '127.20.0', '127.300.0.1']) expect(isLabAddress(a)).toBe(false)
  })

  it('follow the inventory: town position and the station position in its town file', async () => {
    const { inventory } = await loadInventoryOrThrow('tests/fixtures/inventory-mini')
    const plan = buildPlan(inventory, { labDir: '/tmp/x/lab', inventoryDir: '/abs/inv', port: 2222, shell: resolveShell('sh', () => true), preinstallAgent: false })
    // towns/ files load in name order: feilaixia (0), fengcheng (1). 新城 (hasStation: false) is left out.
    expect(plan.stations.map((s) => [s.id, s.host])).toEqual([
      ['441802104201', '127.20.0.1'],
      ['441802006001', '127.21.0.1'],
    ])
  })
})
