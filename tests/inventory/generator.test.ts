import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apportion, DEFAULT_SOURCE, generateInventory, parseDivisions, placeholderEd25519, prng, type Divisions } from '../../scripts/generate-inventory.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { totalsOf } from '../../src/inventory/summary.js'
import { REAL, REPO, validate } from './helpers/mini.js'

let divisions: Divisions
let out: string
beforeAll(async () => {
  divisions = parseDivisions(await readFile(path.join(REPO, DEFAULT_SOURCE), 'utf8'))
  out = await mkdtemp(path.join(os.tmpdir(), 'lastmile-gen-'))
})
afterAll(() => rm(out, { recursive: true, force: true }))

describe('scripts/generate-inventory.ts', () => {
  it('is deterministic: the pure core gives byte-identical files twice', () => {
    const a = generateInventory(divisions)
    const b = generateInventory(structuredClone(divisions))
    expect(Object.keys(a).sort()).toEqual(['district.yaml', 'operators.yaml', ...divisions.towns.map((t) => `towns/${t.slug}.yaml`)].sort())
    expect(b).toEqual(a)
  })

  it('depends on the seed (and only on it)', () => {
    expect(generateInventory(divisions, { seed: 'other' })['towns/yuantan.yaml']).not.toBe(generateInventory(divisions)['towns/yuantan.yaml'])
    const r1 = prng('x')
    const r2 = prng('x')
    expect([r1(), r1(), r1()]).toEqual([r2(), r2(), r2()])
  })

  it('writes an inventory that validates and meets the programme', async () => {
    for (const [rel, text] of Object.entries(generateInventory(divisions))) {
      await mkdir(path.dirname(path.join(out, rel)), { recursive: true })
      await writeFile(path.join(out, rel), text)
    }
    const r = await validate(out, {}, false)
    expect(r.problems).toEqual([])
    const { inventory } = await loadInventoryOrThrow(out)
    expect(totalsOf(inventory.stations)).toMatchObject({ towns: 8, stations: 152, ecommerce: 112, settopBoxHouseholds: 30_000, infoPoints: 1_000 })
  })

  it('apportions exact totals', () => {
    expect(apportion([1, 1, 1], 10)).toEqual([4, 3, 3])
    const parts = apportion([0.3, 2.7, 1.1, 5.9], 30_000)
    expect(parts.reduce((a, b) => a + b, 0)).toBe(30_000)
  })

  it('makes syntactically valid OpenSSH ed25519 public keys', () => {
    const line = placeholderEd25519('seed:fengcheng-admin-1', 'fengcheng-admin-1@qingcheng')
    const [type, b64, comment] = line.split(' ')
    expect(type).toBe('ssh-ed25519')
    expect(comment).toBe('fengcheng-admin-1@qingcheng')
    const wire = Buffer.from(b64!, 'base64')
    expect(wire.readUInt32BE(0)).toBe(11)
    expect(wire.subarray(4, 15).toString()).toBe('ssh-ed25519')
    expect(wire.readUInt32BE(15)).toBe(32)
    expect(wire.length).toBe(4 + 11 + 4 + 32)
  })

  it('copied the real fields into inventory/qingcheng unchanged (names, codes, kinds, towns)', async () => {
    const { inventory } = await loadInventoryOrThrow(REAL)
    const byId = new Map(inventory.stations.map((s) => [s.id, s]))
    let n = 0
    for (const t of divisions.towns) {
      const town = inventory.towns.find((x) => x.code === t.code)
      expect(town, t.name).toMatchObject({ name: t.name, slug: t.slug, kind: t.type })
      for (const v of t.villages) {
        expect(byId.get(v.code), v.name).toMatchObject({ name: v.name, short: v.short, kind: v.kind, town: { code: t.code } })
        n++
      }
    }
    expect(n).toBe(153)
    expect(inventory.stations).toHaveLength(153)
  })
})
