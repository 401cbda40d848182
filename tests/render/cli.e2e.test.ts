import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { renderAll } from '../../src/render/render-all.js'
import { SecretResolver, envSource } from '../../src/secrets/resolver.js'
import { appliedRecordFrom, writeApplied } from '../../src/state/applied-store.js'
import { loadFingerprintKey } from '../../src/state/fingerprint-key.js'
import { KNOWN_SECRETS, MINI } from './helpers.js'

/*
 * The built CLI (run `npm run build` first; `npm run test:e2e` does) with the
 * secrets in LASTMILE_SECRET_* variables, as CI provides them. The values may
 * appear in the rendered station files only: never on stdout or stderr.
 */
const bin = path.resolve('bin/run.js')

interface Run {
  code: number
  stdout: string
  stderr: string
}

const secretEnv = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  LASTMILE_SECRET_WIREGUARD_441802104201: KNOWN_SECRETS['wireguard/441802104201'],
  LASTMILE_SECRET_WIREGUARD_441802006001: KNOWN_SECRETS['wireguard/441802006001'],
  LASTMILE_SECRET_WIFI_441802104201_STAFF: KNOWN_SECRETS['wifi/441802104201/staff'],
  LASTMILE_SECRET_DISTRICT_CONFIG_ID_KEY: 'e2e-config-id-key',
  ...overrides,
})
const NEW_KEY = 'Jiangkou-Staff-2016#'
const VALUES = [...Object.values(KNOWN_SECRETS), NEW_KEY]

let home: string
let work: string
function lastmile(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LASTMILE_')))
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: work, env: { ...clean, CI: 'true', LASTMILE_HOME: home, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? 1 : 0
      resolve({ code, stdout, stderr })
    })
  })
}

function expectClean(r: Run, what: string): void {
  for (const v of VALUES) {
    expect(r.stdout.includes(v), `${what}: stdout holds a secret value`).toBe(false)
    expect(r.stderr.includes(v), `${what}: stderr holds a secret value`).toBe(false)
  }
}

beforeAll(async () => {
  if (!existsSync(path.resolve('dist/commands/plan.js'))) throw new Error('dist/ is missing the plan command: run `npm run build` first (npm run test:e2e does)')
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-e2e-home-'))
  work = await mkdtemp(path.join(tmpdir(), 'lastmile-e2e-work-'))
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
  await rm(work, { recursive: true, force: true })
})

describe('lastmile render and plan as a process', () => {
  it('render --json: counts and config ids; values only in the station files', async () => {
    const out = path.join(work, 'out')
    const r = await lastmile(['render', '--inventory', MINI, '--out', out, '--json'], secretEnv())
    expect(r.code, r.stderr).toBe(0)
    expectClean(r, 'render --json')
    const env = JSON.parse(r.stdout) as { status: number; result: { stations: number; results: Array<{ id: string; configId: string }> } }
    expect(env.result.stations).toBe(2)
    for (const s of env.result.results) expect(s.configId).toMatch(/^[0-9a-f]{16}$/)
    expect(await readFile(path.join(out, '441802104201/etc/config/wireless'), 'utf8')).toContain(KNOWN_SECRETS['wifi/441802104201/staff'])
    expect(await readFile(path.join(out, '441802104201/manifest.json'), 'utf8')).not.toContain(KNOWN_SECRETS['wifi/441802104201/staff'])

    const human = await lastmile(['render', '--inventory', MINI, '--out', out], secretEnv())
    expect(human.code, human.stderr).toBe(0)
    expectClean(human, 'render')
    expect(human.stdout).toMatch(/凤城街道\s+fengcheng\s+1\s+7/)
  })

  it('render refuses a folder it did not make (exit 2)', async () => {
    const mine = path.join(work, 'mine')
    await rm(mine, { recursive: true, force: true })
    await (await import('node:fs/promises')).mkdir(mine)
    await writeFile(path.join(mine, 'keep.txt'), 'x')
    const r = await lastmile(['render', '--inventory', MINI, '--out', mine], secretEnv())
    expect(r.code).toBe(2)
    expect(await readdir(mine)).toEqual(['keep.txt'])
  })

  it('plan: new, then unchanged after a recorded apply, then ‹secret› (changed) for a new WiFi key', async () => {
    const first = await lastmile(['plan', '--inventory', MINI, '--json'], secretEnv())
    expect(first.code, first.stderr).toBe(0)
    expectClean(first, 'plan --json')
    const p1 = JSON.parse(first.stdout) as { result: { stations: Array<{ id: string; configId: string; state: string; files: Array<{ path: string; change: string; diff: string | null }> }> } }
    expect(p1.result.stations.map((s) => s.state)).toEqual(['new', 'new'])
    expect(p1.result.stations[0]!.files.find((f) => f.path === '/etc/config/wireless')!.diff).toContain("+\toption key '‹secret› (changed)'")

    // What a rollout records after the stations confirm (same key file the CLI just created).
    const key = (await loadFingerprintKey(home, { create: false }))!
    const { inventory } = await loadInventoryOrThrow(MINI)
    const rendered = await renderAll(inventory, { resolver: new SecretResolver([envSource(secretEnv())]), masked: true, fingerprintKey: key })
    for (const r of rendered) await writeApplied(home, appliedRecordFrom(r, new Date()))
    expect(rendered.map((r) => r.configId)).toEqual(p1.result.stations.map((s) => s.configId))

    const same = await lastmile(['plan', '--inventory', MINI], secretEnv())
    expect(same.code, same.stderr).toBe(0)
    expectClean(same, 'plan')
    expect(same.stdout).toContain('nothing to do')

    const changedEnv = secretEnv({ LASTMILE_SECRET_WIFI_441802104201_STAFF: NEW_KEY })
    const changed = await lastmile(['plan', '--inventory', MINI, '--json'], changedEnv)
    expectClean(changed, 'plan --json after a key change')
    const p2 = JSON.parse(changed.stdout) as typeof p1
    const jiangkou = p2.result.stations.find((s) => s.id === '441802104201')!
    expect(jiangkou.state).toBe('changed')
    const wireless = jiangkou.files.find((f) => f.path === '/etc/config/wireless')!
    expect(wireless.change).toBe('changed')
    expect(wireless.diff).toContain("-\toption key '‹secret›'")
    expect(wireless.diff).toContain("+\toption key '‹secret› (changed)'")

    const text = await lastmile(['plan', '--inventory', MINI, '--town', '飞来峡镇'], changedEnv)
    expectClean(text, 'plan (human) after a key change')
    expect(text.stdout).toContain('‹secret› (changed)')
    expect(text.stdout).toMatch(/飞来峡镇\s+feilaixia\s+1\s+0\s+1\s+0/)
  })

  it('plan without the secrets: exit 3, every missing ref listed', async () => {
    const r = await lastmile(['plan', '--inventory', MINI, '--json'], {})
    expect(r.code).toBe(3)
    const env = JSON.parse(r.stdout) as { error: { details: Array<{ station: string; message: string }> } }
    expect(env.error.details.map((d) => d.station).sort()).toEqual(['441802006001', '441802104201', '441802104201'])
    expect(r.stdout).toContain('LASTMILE_SECRET_WIFI_441802104201_STAFF')
  })
})
