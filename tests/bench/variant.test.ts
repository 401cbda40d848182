import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectedFiles, loadLastmile, type LastmileModules } from '../../bench/lib/host-vars.js'
import { addDistrictOperator, benchHubKey, rotateHubKey, singleChangedPath, writeVariant } from '../../bench/lib/variant.js'

const repo = path.resolve(import.meta.dirname, '..', '..')
const inventory = path.join(repo, 'tests', 'fixtures', 'inventory-mini')
let work: string
let lm: LastmileModules
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'lastmile-bench-variant-'))
  lm = await loadLastmile(repo, 'src')
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

describe('the one-file-changed inventory edit', () => {
  it('rotates the hub key in district.yaml and nothing else', () => {
    const yaml = "district:\n  hub:\n    endpoint: hub.example.cn:51820\n    publicKey: VrH4jF1jfrkiRBJEoQMNbPFpMv+ksKPrtumRcqZWVc4=\n    address: 10.250.0.1\n"
    const key = benchHubKey('VrH4jF1jfrkiRBJEoQMNbPFpMv+ksKPrtumRcqZWVc4=')
    const r = rotateHubKey(yaml, key)
    expect(Buffer.from(key, 'base64')).toHaveLength(32)
    expect(r.text).toBe(yaml.replace('VrH4jF1jfrkiRBJEoQMNbPFpMv+ksKPrtumRcqZWVc4=', key))
    expect(() => rotateHubKey('district: {}\n', key)).toThrow(/publicKey/)
  })

  it('appends a district operator to operators.yaml', () => {
    const out = addDistrictOperator('operators:\n  - id: a\n    name: x\n    role: district\n    sshPublicKey: ssh-ed25519 AAAA a\n\n', 'ssh-ed25519 BBBB b')
    expect(out).toBe('operators:\n  - id: a\n    name: x\n    role: district\n    sshPublicKey: ssh-ed25519 AAAA a\n  - id: bench-district-admin\n    name: 基准测试\n    role: district\n    sshPublicKey: ssh-ed25519 BBBB b\n')
  })

  it('finds the single path that changes on every station, or says why not', () => {
    const m = (entries: Array<[string, Array<[string, string]>]>) => new Map(entries.map(([id, files]) => [id, new Map(files.map(([p, sha]) => [p, { sha256: sha }]))]))
    const base = m([['s1', [['/a', '1'], ['/b', '2']]], ['s2', [['/a', '3'], ['/b', '4']]]])
    expect(singleChangedPath(base, m([['s1', [['/a', 'x'], ['/b', '2']]], ['s2', [['/a', 'y'], ['/b', '4']]]]))).toEqual({ path: '/a' })
    expect(singleChangedPath(base, m([['s1', [['/a', 'x'], ['/b', 'z']]], ['s2', [['/a', 'y'], ['/b', '4']]]])).why).toMatch(/s1: 2 files/)
    expect(singleChangedPath(base, m([['s1', [['/a', 'x'], ['/b', '2']]], ['s2', [['/a', '3'], ['/b', 'q']]]])).why).toMatch(/s2 changes \/b/)
  })

  for (const kind of ['hub-key', 'operator'] as const) {
    it(`${kind}: the edited copy is a valid inventory in which exactly one file changes on every station`, async () => {
      const v = await writeVariant(inventory, path.join(work, kind), kind)
      const { inventory: inv } = await lm.loader.loadInventoryOrThrow(v.dir)
      const ids = inv.stations.filter((s) => s.hasStation).map((s) => s.id)
      expect(ids.length).toBeGreaterThan(0)
      const home = path.join(work, 'home')
      const changed = singleChangedPath(await expectedFiles(lm, inventory, ids, { home }), await expectedFiles(lm, v.dir, ids, { home }))
      // The lab's cloud values (stack config) may override the hub: then the key rotation is the
      // candidate the runner skips; the operator edit never depends on the cloud side.
      if (kind === 'operator') expect(changed).toEqual({ path: '/etc/dropbear/authorized_keys' })
      else if (changed.path) expect(changed.path).toBe('/etc/config/network')
      expect(await readFile(path.join(inventory, 'district.yaml'), 'utf8')).not.toContain(benchHubKey())
    })
  }
})
