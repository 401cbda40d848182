import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../src/util/exec.js'
import { cleanupCopies, copyMini, MINI, REAL, REPO, replaceIn } from './helpers/mini.js'

/** The built CLI as a process (`npm run test:e2e` builds first). */
async function lastmile(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string; json: Record<string, unknown> | undefined }> {
  const r = await run(process.execPath, [path.join(REPO, 'bin/run.js'), ...args], { cwd: REPO, env: { ...process.env, LASTMILE_AGE_IDENTITY: '/nonexistent', ...env }, timeoutMs: 120_000 })
  let json: Record<string, unknown> | undefined
  if (args.includes('--json')) json = JSON.parse(r.stdout) as Record<string, unknown>
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, json }
}

let tmp: string
beforeAll(async () => {
  await access(path.join(REPO, 'dist/commands/inventory/show.js')).catch(() => {
    throw new Error('dist/ is missing: run `npm run build` (npm run test:e2e does)')
  })
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lastmile-e2e-inv-'))
})
afterAll(async () => {
  await cleanupCopies()
  await rm(tmp, { recursive: true, force: true })
})

describe('lastmile inventory (built CLI)', () => {
  it('validate --json: exit 0 and the envelope for a valid inventory', async () => {
    const r = await lastmile(['inventory', 'validate', '--inventory', MINI, '--json'])
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({ status: 0, result: { valid: true, errors: 0, towns: 2, stations: 2, withoutStation: 1 } })
    expect(Array.isArray(r.json!.warnings)).toBe(true)
  })

  it('validate: exit 3 with every problem as file:line:col, in JSON and for people', async () => {
    const dir = await copyMini()
    await replaceIn(dir, 'towns/fengcheng.yaml', 'office: { vlan: 20, subnet: 10.21.1.0/25 }', 'office: { vlan: 20, subnet: 10.22.1.0/25 }')
    const j = await lastmile(['inventory', 'validate', '--inventory', dir, '--json'])
    expect(j.code).toBe(3)
    expect(j.json).toMatchObject({ status: 3, result: null, error: { code: 'invalid-input' } })
    const details = (j.json!.error as { details: Array<{ position: { line: number }; field: string; rule: string }> }).details
    expect(details.find((d) => d.rule === 'addressing.overlap')).toMatchObject({ position: { line: 16 }, field: 'stations[0].lan.office.subnet' })
    const h = await lastmile(['inventory', 'validate', '--inventory', dir, '--no-secrets'])
    expect(h.code).toBe(3)
    expect(h.stderr).toContain(`error  ${path.join(dir, 'towns/fengcheng.yaml')}:16:35  station 441802006001  stations[0].lan.office.subnet  10.22.1.0/25`)
    expect(h.stderr).toContain('1 error and 0 warnings (towns/fengcheng.yaml: 1 error)')
  })

  it('validate never prints a secret value', async () => {
    const psk = 'tooShort'.slice(0, 7)
    const r = await lastmile(['inventory', 'validate', '--inventory', MINI, '--json'], { LASTMILE_SECRET_WIFI_441802104201_STAFF: psk })
    expect(r.code).toBe(3)
    expect(r.stdout + r.stderr).not.toContain(psk)
  })

  it('validate: the real inventory is valid', async () => {
    const r = await lastmile(['inventory', 'validate', '--inventory', REAL])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('is valid: 8 towns, 152 stations, 1 committee without a station yet')
  })

  it('show --json: totals, towns and the programme', async () => {
    const r = await lastmile(['inventory', 'show', '--json'])
    expect(r.code).toBe(0)
    const result = r.json!.result as { totals: Record<string, number>; towns: unknown[]; programme: { ok: boolean } }
    expect(result.totals).toMatchObject({ towns: 8, stations: 152, ecommerce: 112, settopBoxHouseholds: 30_000, infoPoints: 1_000 })
    expect(result.towns).toHaveLength(8)
    expect(result.programme.ok).toBe(true)
  })

  it('show --town by Chinese name and --station with the full record', async () => {
    const r = await lastmile(['inventory', 'show', '--town', '源潭镇', '--station', '441802103203', '--json'])
    expect(r.code).toBe(0)
    const result = r.json!.result as { stations: Array<{ name: string; tunnel: unknown }> }
    expect(result.stations[0]).toMatchObject({ name: '青龙村委会', tunnel: { privateKey: { secret: 'wireguard/441802103203' } } })
    const human = await lastmile(['inventory', 'show', '--town', 'yuantan'])
    expect(human.stdout).toMatch(/源潭镇 +441802103000 +21/)
  })

  it('show --town with an unknown town: exit 2, naming it and the valid towns', async () => {
    const r = await lastmile(['inventory', 'show', '--town', 'nowhere', '--json'])
    expect(r.code).toBe(2)
    expect(r.json).toMatchObject({ status: 2, error: { code: 'usage', message: expect.stringContaining("'nowhere'") as string, hint: expect.stringContaining('441802103000 yuantan 源潭镇') as string } })
  })

  it('schema prints the three JSON Schemas; export writes an Ansible inventory', async () => {
    const s = await lastmile(['inventory', 'schema', '--json'])
    expect(s.code).toBe(0)
    expect(Object.keys((s.json!.result as { schemas: object }).schemas).sort()).toEqual(['district', 'operators', 'town'])
    const out = path.join(tmp, 'hosts.yaml')
    const e = await lastmile(['inventory', 'export', '--format', 'ansible', '--out', out, '--town', 'feilaixia'])
    expect(e.code).toBe(0)
    expect(e.stdout).toContain('wrote 25 hosts in 2 groups (feilaixia, lastmile_canary)')
    expect(await readFile(out, 'utf8')).toContain("LASTMILE_SECRET_WIREGUARD_441802107201')")
  })
})
