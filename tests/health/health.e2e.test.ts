import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setLabFault, startLab, stopLab } from '../../src/lab/service.js'
import { parseExposition } from './prom-grammar.js'

/*
 * The built CLI as a process against the lab: exit codes (0 / 4 / 3), the
 * --json envelope, the Chinese table, and the Prometheus file checked by the
 * grammar and, where installed, by Prometheus' own `promtool check metrics`.
 */

const bin = path.resolve('bin/run.js')
const mini = path.resolve('tests/fixtures/inventory-mini')
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p))
let home: string

interface Run {
  code: number
  stdout: string
  stderr: string
}

function lastmile(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const { LASTMILE_SSH_KEY: _k, SSH_AUTH_SOCK: _a, LASTMILE_OPERATOR: _o, ...base } = process.env
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...base, CI: 'true', HOME: home, LASTMILE_HOME: home, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? 1 : 0
      resolve({ code, stdout, stderr })
    })
  })
}

function promtool(text: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL as string, ['check', 'metrics'], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }))
    child.stdin?.end(text)
  })
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-health-e2e-'))
  await startLab({ home, inventoryDir: mini, port: 0, preinstallAgent: true })
})

afterAll(async () => {
  await stopLab({ home })
  await rm(home, { recursive: true, force: true })
})

describe('lastmile health (the built CLI)', () => {
  it('exit 0 and the JSON envelope when everything asked for is ok', async () => {
    const r = await lastmile(['health', '--lab', '--station', '441802006001', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const env = JSON.parse(r.stdout) as { status: number; result: { stations: Array<{ id: string; state: string; checks: unknown[] }>; townAlerts: unknown[] } }
    expect(env.status).toBe(0)
    expect(env.result.townAlerts).toEqual([])
    expect(env.result.stations).toHaveLength(1)
    expect(env.result.stations[0]).toMatchObject({ id: '441802006001', state: 'ok' })
    expect(env.result.stations[0]!.checks.length).toBeGreaterThan(10)
  })

  it('exit 4 with a station down; the Chinese table says what to do', async () => {
    await setLabFault({ home, selector: '441802006001', assignments: ['unreachable=true'] })
    const r = await lastmile(['health', '--lab', '--lang', 'zh'])
    expect(r.code, r.stderr).toBe(4)
    expect(r.stdout).toContain('清城区 站点健康')
    expect(r.stdout).toContain('无法连接站点')
    expect(r.stdout).toContain('高基里')
  })

  it('--format prometheus: a valid textfile for node_exporter, even while exit is 4', async () => {
    const r = await lastmile(['health', '--lab', '--format', 'prometheus'])
    expect(r.code).toBe(4)
    const fams = parseExposition(r.stdout)
    const up = fams.find((f) => f.name === 'lastmile_station_up')!.samples
    expect(up.find((s) => s.labels.station_id === '441802006001')).toMatchObject({ value: 0, labels: { town: 'fengcheng', name: '高基里社区居委会' } })
    expect(up.find((s) => s.labels.station_id === '441802104201')?.value).toBe(1)
  })

  it.skipIf(!PROMTOOL)(`promtool check metrics accepts the file${PROMTOOL ? '' : ' (skipped: promtool not installed; apt-get install prometheus)'}`, async () => {
    const r = await lastmile(['health', '--lab', '--format', 'prometheus'])
    const check = await promtool(r.stdout)
    expect(check.code, check.stdout + check.stderr).toBe(0)
  })

  it('exit 3 when a town admin asks for another town, naming them and their towns', async () => {
    const r = await lastmile(['health', '--lab', '--town', 'feilaixia', '--json'], { LASTMILE_OPERATOR: 'fengcheng-admin-1' })
    expect(r.code).toBe(3)
    const env = JSON.parse(r.stdout) as { status: number; error: { code: string; message: string; hint: string } }
    expect(env.status).toBe(3)
    expect(env.error.code).toBe('invalid-input')
    expect(env.error.message).toContain('operator fengcheng-admin-1 (凤城管理员) may only see 凤城街道 (fengcheng, 441802006000)')
    expect(env.error.hint).toContain('Leave out --town')
  })
})
