import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { activeStations } from '../../src/inventory/model.js'
import { parseFaults } from '../../src/lab/faults.js'

describe('docs/lab.md', () => {
  it('every faults example is a valid faults file for inventory/qingcheng', async () => {
    const text = await readFile(path.resolve('docs/lab.md'), 'utf8')
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
    expect(blocks.length).toBeGreaterThanOrEqual(2)
    const { inventory } = await loadInventoryOrThrow('inventory/qingcheng')
    const targets = activeStations(inventory)
    for (const [i, yaml] of blocks.entries()) {
      const { rules, problems } = parseFaults(yaml, `docs/lab.md yaml block ${i + 1}`, targets)
      expect(problems).toEqual([])
      expect(rules.length).toBeGreaterThan(0)
    }
  })
})
