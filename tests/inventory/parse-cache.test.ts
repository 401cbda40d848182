import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { crossCheck } from '../../src/inventory/cross-checks.js'
import { loadInventory } from '../../src/inventory/loader.js'
import { openYamlParseCache } from '../../src/inventory/parse-cache.js'

const MINI = path.resolve('tests/fixtures/inventory-mini')

async function copyMini(): Promise<{ dir: string; cacheFile: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'lastmile-parse-cache-'))
  const dir = path.join(root, 'inventory')
  await cp(MINI, dir, { recursive: true })
  return { dir, cacheFile: path.join(root, 'home', 'cache', 'inventory-yaml.json') }
}

const load = async (dir: string, cacheFile: string): ReturnType<typeof loadInventory> => loadInventory(dir, { cache: await openYamlParseCache(cacheFile) })
const withoutPositions = (inv: unknown): unknown => JSON.parse(JSON.stringify(inv, (k, v: unknown) => (k === 'positions' ? undefined : v)))

describe('the inventory parse cache', () => {
  it('a second load from the cache gives the same inventory as a fresh parse', async () => {
    const { dir, cacheFile } = await copyMini()
    const plain = await loadInventory(dir)
    const first = await load(dir, cacheFile)
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { entries: Record<string, unknown> }
    expect(Object.keys(cached.entries)).toHaveLength(4) // district, operators, two towns
    const second = await load(dir, cacheFile)
    expect(withoutPositions(second.inventory)).toEqual(withoutPositions(plain.inventory))
    expect(withoutPositions(first.inventory)).toEqual(withoutPositions(plain.inventory))
    expect(second.problems).toEqual(plain.problems)
  })

  it('errors on a cached file still name file:line (the file is parsed again only for the position)', async () => {
    const { dir, cacheFile } = await copyMini()
    const town = path.join(dir, 'towns', 'feilaixia.yaml')
    const text = await readFile(town, 'utf8')
    // Two stations on one management address: the shape is fine, a cross-check is not.
    expect(text).toContain('management: { address: 10.250.2.2 }')
    await writeFile(town, text.replace('management: { address: 10.250.2.2 }', 'management: { address: 10.250.2.1 }'))

    const problemsOf = async (): Promise<unknown> => {
      const { inventory } = await load(dir, cacheFile)
      const found = await crossCheck(inventory!, { env: {}, secrets: false })
      return found.filter((p) => p.severity === 'error').map((p) => [p.position?.file, p.position?.line, p.message])
    }
    const fresh = await problemsOf()
    expect(fresh).not.toEqual([])
    expect((fresh as Array<[string, number]>).every(([f, line]) => f === town && line > 1)).toBe(true)
    expect(await problemsOf()).toEqual(fresh)
  })

  it('a schema error on a cached file names its field and line', async () => {
    const { dir, cacheFile } = await copyMini()
    await load(dir, cacheFile)
    // The cache holds the YAML's data; make it stale on purpose (as if the schema had changed): the
    // checks still run on every load and find the line in the YAML.
    const cache = JSON.parse(await readFile(cacheFile, 'utf8')) as { format: number; entries: Record<string, { data: { stations?: Array<Record<string, unknown>> } }> }
    const entry = Object.values(cache.entries).find((e) => e.data.stations?.[0]?.id === '441802006001')!
    entry.data.stations![0]!.settopBoxHouseholds = 'many'
    await writeFile(cacheFile, JSON.stringify(cache))
    const { problems } = await load(dir, cacheFile)
    const p = problems.find((x) => x.field === 'stations[0].settopBoxHouseholds')
    expect(p?.position?.file).toBe(path.join(dir, 'towns', 'fengcheng.yaml'))
    expect(p?.position?.line).toBeGreaterThan(1)
    expect(p?.message).toContain('found 150')
  })

  it('an edited file is parsed again; the cache keeps only the files of the last load', async () => {
    const { dir, cacheFile } = await copyMini()
    await load(dir, cacheFile)
    const town = path.join(dir, 'towns', 'fengcheng.yaml')
    await writeFile(town, (await readFile(town, 'utf8')).replace('settopBoxHouseholds: 150', 'settopBoxHouseholds: 151'))
    const { inventory } = await load(dir, cacheFile)
    expect(inventory?.stations.find((s) => s.id === '441802006001')?.settopBoxHouseholds).toBe(151)
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { entries: Record<string, unknown> }
    expect(Object.keys(cached.entries)).toHaveLength(4)
  })

  it('a damaged cache file is ignored and written anew', async () => {
    const { dir, cacheFile } = await copyMini()
    await load(dir, cacheFile)
    await writeFile(cacheFile, '{"format":1,"entries":{"x":')
    const { inventory, problems } = await load(dir, cacheFile)
    expect(inventory?.stations.length).toBeGreaterThan(0)
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(JSON.parse(await readFile(cacheFile, 'utf8'))).toMatchObject({ format: 1 })
  })

  it('a file with a YAML error is never cached and reports the error on every load', async () => {
    const { dir, cacheFile } = await copyMini()
    const town = path.join(dir, 'towns', 'feilaixia.yaml')
    await writeFile(town, `${await readFile(town, 'utf8')}\nstations: []\n`)
    for (let i = 0; i < 2; i++) {
      const { inventory, problems } = await load(dir, cacheFile)
      expect(inventory).toBeUndefined()
      expect(problems.some((p) => p.position?.file === town && /duplicate key/.test(p.message))).toBe(true)
    }
  })
})
