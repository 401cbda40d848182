import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareSnapshots, describeDifferences, snapshotRoot, type FleetSnapshot } from '../../bench/lib/compare.js'
import { contextToJson, expectedFiles, loadLastmile, stationContexts, type LastmileModules } from '../../bench/lib/host-vars.js'
import { run } from '../../src/util/exec.js'

/*
 * The benchmark's Jinja2 templates (bench/ansible/templates) against lastmile's Liquid
 * templates: every station of the district rendered by Ansible's own templating
 * (bench/ansible/render_check.py, no SSH) must be byte-identical to lastmile's render.
 * A translation mistake shows up here, not after a 20-minute benchmark run.
 */
const repo = path.resolve(import.meta.dirname, '..', '..')
const inventory = path.join(repo, 'inventory', 'qingcheng')
const python = '/usr/bin/python3'
const haveAnsible = existsSync(python) && existsSync('/usr/lib/python3/dist-packages/ansible')

let work: string
let lm: LastmileModules
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'lastmile-bench-j2-'))
  lm = await loadLastmile(repo, 'src')
})
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

describe.skipIf(!haveAnsible)(haveAnsible ? 'Jinja2 translation of the OpenWrt templates' : 'Jinja2 translation (skipped: ansible-core for /usr/bin/python3 is not installed)', () => {
  it('renders every station of the district byte-identically to lastmile', async () => {
    const { inventory: inv } = await lm.loader.loadInventoryOrThrow(inventory)
    const ids = inv.stations.filter((s) => s.hasStation).map((s) => s.id)
    const home = path.join(work, 'home')
    const ctx = await stationContexts(lm, inventory, ids, { home })
    const hostVars = path.join(work, 'host_vars')
    await mkdir(hostVars, { recursive: true })
    for (const [id, c] of ctx.contexts) await writeFile(path.join(hostVars, `${id}.json`), JSON.stringify({ ...c, station_root: '/nonexistent' }))
    const out = path.join(work, 'out')
    const r = await run(python, [path.join(repo, 'bench', 'ansible', 'render_check.py'), hostVars, out], { timeoutMs: 300_000 })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)

    const expected = await expectedFiles(lm, inventory, ids, { home })
    const left: FleetSnapshot = new Map([...expected].map(([id, m]) => [id, new Map([...m].map(([p, f]) => [p, { sha256: f.sha256, mode: '-' }]))]))
    const right: FleetSnapshot = new Map()
    for (const id of ids) right.set(id, new Map([...(await snapshotRoot(path.join(out, id)))].map(([p, f]) => [p, { sha256: f.sha256, mode: '-' }])))
    const c = compareSnapshots(left, right)
    expect(describeDifferences(c, ['lastmile', 'jinja2'])).toEqual([])
    expect(c.stations).toBe(ids.length)
    expect(c.files).toBeGreaterThan(ids.length * 7)
  })

  it('puts secrets into host_vars as their values, never as the masked marker', async () => {
    const { inventory: inv } = await lm.loader.loadInventoryOrThrow(inventory)
    const id = inv.stations.find((s) => s.hasStation && s.wan.pppoe)!.id
    const ctx = await stationContexts(lm, inventory, [id], { home: path.join(work, 'home2') })
    const text = JSON.stringify(ctx.contexts.get(id))
    expect(text).not.toContain('‹secret')
    const isSecret = (v: unknown): v is { text(): string } => v instanceof lm.secretValue.SecretValue
    expect(contextToJson({ a: 1 }, isSecret)).toBe('{\n  "a": 1\n}')
    expect(await readFile(path.join(repo, 'bench', 'ansible', 'templates', 'network.j2'), 'utf8')).toContain('station.wan.pppoe.password | uci')
  })
})
