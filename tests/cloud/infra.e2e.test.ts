import { execFile } from 'node:child_process'
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeStandIn } from './standin.js'

/* The built CLI (npm run build) as a process, on a machine without the Pulumi CLI. */

const bin = path.resolve('bin/run.js')
const mini = path.resolve('tests/fixtures/inventory-mini')

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs lastmile with a PATH that holds no `pulumi` (node is started by absolute path). */
async function lastmileWithoutPulumi(args: string[]): Promise<Run> {
  const empty = await mkdtemp(path.join(tmpdir(), 'lastmile-nopulumi-'))
  return lastmile(args, { PATH: empty, HOME: empty, LASTMILE_HOME: path.join(empty, '.lastmile'), CI: 'true' })
}

function lastmile(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, cwd: path.resolve('.'), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? 1 : 0
      resolve({ code, stdout, stderr })
    })
  })
}

describe('lastmile infra without the Pulumi CLI', () => {
  it('infra preview exits 6 and says how to install Pulumi and that render works without it', async () => {
    const r = await lastmileWithoutPulumi(['infra', 'preview', '--stack', 'lab'])
    expect(r.code).toBe(6)
    expect(r.stderr).toContain('the Pulumi CLI is not installed')
    expect(r.stderr).toContain('https://www.pulumi.com/docs/install/')
    expect(r.stderr).toContain('lastmile infra render --stack S --out DIR')
    expect(r.stdout).toBe('')
  })

  it('infra up --json exits 6 with the error in the envelope', async () => {
    const r = await lastmileWithoutPulumi(['infra', 'up', '--stack', 'prod', '--yes', '--json'])
    expect(r.code).toBe(6)
    const env = JSON.parse(r.stdout) as { status: number; error: { code: string; message: string; hint: string } }
    expect(env.status).toBe(6)
    expect(env.error.code).toBe('missing-dependency')
    expect(env.error.hint).toContain('get.pulumi.com')
  })

  it('infra render works: system.yaml and one file per town; the same render again writes nothing and says so', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'lastmile-render-'))
    const r = await lastmileWithoutPulumi(['infra', 'render', '--stack', 'lab', '--inventory', mini, '--out', out, '--json'])
    expect(r.code).toBe(0)
    const env = JSON.parse(r.stdout) as { result: { objects: number; files: Array<{ file: string }>; unchanged?: boolean } }
    expect(env.result.files.map((f) => f.file)).toEqual(['system.yaml', 'town-feilaixia.yaml', 'town-fengcheng.yaml'])
    expect(env.result.unchanged).toBeUndefined()
    expect((await readdir(out)).sort()).toEqual(['.lastmile-render-stamp', 'system.yaml', 'town-feilaixia.yaml', 'town-fengcheng.yaml'])
    const again = await lastmileWithoutPulumi(['infra', 'render', '--stack', 'lab', '--inventory', mini, '--out', out])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('is up to date')
    expect(again.stdout).toContain('nothing written')
  })

  it('infra outputs falls back to the inventory with a warning (exit 0)', async () => {
    const r = await lastmileWithoutPulumi(['infra', 'outputs', '--stack', 'lab', '--inventory', mini, '--json'])
    expect(r.code).toBe(0)
    const env = JSON.parse(r.stdout) as { result: { source: string }; warnings: string[] }
    expect(env.result.source).toBe('inventory')
    expect(env.warnings.join('\n')).toContain('Pulumi CLI is not installed')
  })
})

describe('lastmile infra with a stand-in Pulumi CLI on PATH', () => {
  it('infra preview --json returns the changes; the built CLI loads the Automation API from plain ESM', async () => {
    const standIn = await makeStandIn()
    const home = await mkdtemp(path.join(tmpdir(), 'lastmile-home-'))
    const env = { PATH: `${path.join(standIn.root, 'bin')}${path.delimiter}/usr/bin${path.delimiter}/bin`, HOME: home, LASTMILE_HOME: path.join(home, '.lastmile'), CI: 'true', PULUMI_CONFIG_PASSPHRASE: 'e2e', PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true' }
    const r = await lastmile(['infra', 'preview', '--stack', 'lab', '--inventory', mini, '--json'], env)
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { result: { operation: string; changes: Record<string, number>; backend: string } }
    expect(out.result).toMatchObject({ operation: 'preview', changes: { create: 38 }, backend: `file://${path.join(home, '.lastmile', 'pulumi')}` })

    const up = await lastmile(['infra', 'up', '--stack', 'lab', '--inventory', mini], env)
    expect(up.code).toBe(2)
    expect(up.stderr).toContain('needs --yes')
  })
})
