import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

const bin = path.resolve('bin/run.js')
const mini = path.resolve('tests/fixtures/inventory-mini')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function lastmile(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, CI: 'true', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? 1 : 0
      resolve({ code, stdout, stderr })
    })
  })
}

describe('the built CLI as a process', () => {
  it('documents the exit codes in --help', async () => {
    const r = await lastmile(['--help'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('EXIT CODES')
    expect(r.stdout).toMatch(/3\s+invalid input/)
    const sub = await lastmile(['inventory', 'validate', '--help'])
    expect(sub.stdout).toMatch(/6\s+missing dependency/)
  })

  it('keeps its command manifest when the development entry point runs after a build', async () => {
    // bin/dev.js drops oclif.manifest.json only when src/ is newer than it (the build just wrote it).
    const dev = await new Promise<Run>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', path.resolve('bin/dev.js'), '--version'], { env: { ...process.env, CI: 'true' }, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }))
    })
    expect(dev.code).toBe(0)
    expect(existsSync(path.resolve('oclif.manifest.json'))).toBe(true)
    const r = await lastmile(['--version'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^lastmile\//)
  })

  it('prints the JSON envelope with status 0 for a valid inventory', async () => {
    const r = await lastmile(['inventory', 'validate', '--inventory', mini, '--json'])
    expect(r.code).toBe(0)
    const env = JSON.parse(r.stdout) as { status: number; result: { valid: boolean }; warnings: unknown[] }
    expect(env.status).toBe(0)
    expect(env.result.valid).toBe(true)
    expect(Array.isArray(env.warnings)).toBe(true)
  })

  it('exits 3 with every problem located for a broken inventory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lastmile-bad-'))
    await cp(mini, dir, { recursive: true })
    const town = path.join(dir, 'towns', 'feilaixia.yaml')
    const text = await readFile(town, 'utf8')
    await writeFile(town, text.replace('bandwidthMbps: 30', 'bandwidthMbps: fast').replace('    short: 江口\n', '    short: 江口\n    shrot: typo\n'))
    const r = await lastmile(['inventory', 'validate', '--inventory', dir, '--json'])
    expect(r.code).toBe(3)
    const env = JSON.parse(r.stdout) as { status: number; result: null; error: { code: string; details: Array<{ field: string; position: { file: string; line: number } }> } }
    expect(env.status).toBe(3)
    expect(env.result).toBeNull()
    expect(env.error.code).toBe('invalid-input')
    const fields = env.error.details.map((d) => d.field)
    expect(fields).toEqual(expect.arrayContaining(['stations[0].wan.bandwidthMbps', 'stations[0].shrot']))
    expect(env.error.details.every((d) => d.position.file === town)).toBe(true)

    const human = await lastmile(['inventory', 'validate', '--inventory', dir])
    expect(human.code).toBe(3)
    expect(human.stderr).toMatch(/feilaixia\.yaml:\d+:\d+ +station 441802104201 +stations\[0\]\.shrot +unknown key 'shrot'/)
  })

  it('exits 2 on an unknown flag, with the error in the envelope under --json', async () => {
    const r = await lastmile(['inventory', 'validate', '--bogus'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--bogus')
  })

  it('exits 3 naming the folder when the inventory does not exist', async () => {
    const r = await lastmile(['inventory', 'validate', '--inventory', '/nonexistent/inv', '--json'])
    expect(r.code).toBe(3)
    expect(r.stdout).toContain('/nonexistent/inv')
  })
})
