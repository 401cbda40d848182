import { existsSync } from 'node:fs'
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PulumiCommand } from '@pulumi/pulumi/automation/index.js'
import { LastmileError, LockedError, MissingDependencyError, UsageError } from '../../src/cli/errors.js'
import { cloudStep } from '../../src/cloud/cloud-step.js'
import { infraOutputs } from '../../src/cloud/infra-outputs.js'
import { runInfra } from '../../src/cloud/infra-run.js'
import { mapPulumiError } from '../../src/cloud/pulumi/errors.js'
import { MINI, load } from './helpers.js'
import { makeStandIn } from './standin.js'

const tmp = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'lastmile-infra-'))

/** An environment with no `pulumi` anywhere: an empty PATH folder and HOME. */
async function bareEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const empty = await tmp()
  return { PATH: empty, HOME: empty, LASTMILE_HOME: path.join(empty, '.lastmile'), ...extra }
}

async function envWith(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const home = await tmp()
  return { PATH: process.env.PATH ?? '', HOME: home, LASTMILE_HOME: path.join(home, '.lastmile'), PULUMI_CONFIG_PASSPHRASE: 'test-passphrase', ...extra }
}

const reject = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e)

describe('without the Pulumi CLI', () => {
  it('exits 6 before doing anything, saying what is missing, how to install it and that render works', async () => {
    for (const op of ['preview', 'up', 'refresh', 'destroy'] as const) {
      // A stack that does not exist and no --yes: the missing CLI is still what is reported first.
      const err = await reject(runInfra(op, { stack: 'no-such-stack', inventoryDir: '/nonexistent', env: await bareEnv({ CI: 'true' }) }))
      expect(err, op).toBeInstanceOf(MissingDependencyError)
      const e = err as MissingDependencyError
      expect(e.exitCode).toBe(6)
      expect(e.message).toMatch(/Pulumi CLI is not installed/)
      expect(e.hint).toContain('https://www.pulumi.com/docs/install/')
      expect(e.hint).toContain('curl -fsSL https://get.pulumi.com | sh')
      expect(e.hint).toContain('lastmile infra render --stack S --out DIR')
    }
  })

  it("maps the Automation API's `spawn pulumi ENOENT` CommandError to the same exit 6", async () => {
    const saved = process.env.PATH
    process.env.PATH = await tmp()
    let err: unknown
    try {
      err = await reject(PulumiCommand.get({ skipVersionCheck: true }))
    } finally {
      process.env.PATH = saved
    }
    expect((err as Error).name).toBe('CommandError')
    expect((err as Error).message).toMatch(/ENOENT/)
    const mapped = mapPulumiError(err, { stack: 'lab', operation: 'preview', backend: 'file:///x' })
    expect(mapped).toBeInstanceOf(MissingDependencyError)
    expect((mapped as MissingDependencyError).exitCode).toBe(6)
  })

  it('infra outputs falls back to the inventory and stack config, with a notice', async () => {
    const r = await infraOutputs({ stack: 'lab', inventoryDir: MINI, env: await bareEnv() })
    expect(r.source).toBe('inventory')
    expect(r.cloud.hub.endpoint).toBe('127.0.0.1:31820')
    expect(r.notice).toMatch(/Pulumi CLI is not installed.*not from the deployed stack/)
  })

  it('cloudStep renders to .lastmile/cloud/<stack>/ and says so', async () => {
    const env = await bareEnv()
    const inv = await load(MINI)
    const r = await cloudStep({ stack: 'lab', inventory: inv, yes: true, env })
    expect(r.mode).toBe('rendered')
    expect(r.renderedTo).toBe(path.join(env.LASTMILE_HOME ?? '', 'cloud', 'lab'))
    expect((await readdir(r.renderedTo ?? '')).sort()).toEqual(['.lastmile-render-stamp', 'system.yaml', 'town-feilaixia.yaml', 'town-fengcheng.yaml'])
    expect(r.outputs.source).toBe('inventory')
    expect(r.notice).toMatch(/Pulumi CLI is not installed.*kubectl apply -f/)
  })
})

describe('with a stand-in Pulumi CLI', () => {
  it('refuses up and destroy without --yes in CI (exit 2) before running Pulumi', async () => {
    const standIn = await makeStandIn()
    for (const op of ['up', 'destroy'] as const) {
      const err = await reject(runInfra(op, { stack: 'lab', inventoryDir: MINI, env: await envWith({ CI: 'true' }), pulumi: { root: standIn.root, skipVersionCheck: true } }))
      expect(err, op).toBeInstanceOf(UsageError)
      expect((err as UsageError).exitCode).toBe(2)
      expect((err as UsageError).message).toContain('--yes')
      expect((err as UsageError).hint).toContain(`infra ${op} --stack lab --yes`)
    }
    // No TTY counts as not interactive too.
    const err = await reject(runInfra('up', { stack: 'lab', inventoryDir: MINI, env: await envWith(), interactive: false, pulumi: { root: standIn.root, skipVersionCheck: true } }))
    expect(err).toBeInstanceOf(UsageError)
    expect(await standIn.calls()).toEqual([])
  })

  it('previews through the local program in stacks/district with a file backend under .lastmile/pulumi', async () => {
    const standIn = await makeStandIn()
    const env = await envWith({ CI: 'true' })
    const progress: string[] = []
    const r = await runInfra('preview', { stack: 'lab', inventoryDir: MINI, env, pulumi: { root: standIn.root, skipVersionCheck: true }, onOutput: (t) => progress.push(t) })
    expect(r).toMatchObject({ stack: 'lab', operation: 'preview', status: 'done', inventory: MINI, changes: { create: 38 } })
    const backendDir = path.join(env.LASTMILE_HOME ?? '', 'pulumi')
    expect(existsSync(backendDir)).toBe(true)
    expect(r.backend).toBe(`file://${backendDir}`)
    const calls = await standIn.calls()
    expect(calls).toContain('stack select --stack lab --non-interactive')
    expect(calls.find((c) => c.startsWith('preview '))).toMatch(/--stack lab/)
    expect(calls).toContain(`env PULUMI_BACKEND_URL=file://${backendDir} LASTMILE_INVENTORY=${MINI} PASSPHRASE_SET=yes`)
    expect(progress.join('')).toContain('Previewing update (lab)')
  })

  it("keeps the user's PULUMI_BACKEND_URL", async () => {
    const standIn = await makeStandIn()
    await runInfra('preview', { stack: 'lab', inventoryDir: MINI, env: await envWith({ PULUMI_BACKEND_URL: 'file:///srv/pulumi-state' }), pulumi: { root: standIn.root, skipVersionCheck: true } })
    const calls = await standIn.calls()
    // Lines alternate: command, then the environment it saw. `pulumi version` runs before the workspace exists.
    const envOfStackCommands = calls.filter((c, i) => c.startsWith('env ') && !calls[i - 1]?.startsWith('version'))
    expect(envOfStackCommands.length).toBeGreaterThan(1)
    expect(envOfStackCommands.every((c) => c.includes('PULUMI_BACKEND_URL=file:///srv/pulumi-state '))).toBe(true)
  })

  it('creates the stack when it does not exist yet', async () => {
    const standIn = await makeStandIn()
    await standIn.set('no-stack')
    await runInfra('preview', { stack: 'lab', inventoryDir: MINI, env: await envWith(), pulumi: { root: standIn.root, skipVersionCheck: true } })
    expect(await standIn.calls()).toContain('stack init lab --non-interactive')
  })

  it('up --yes returns the changes and the outputs stations will use', async () => {
    const standIn = await makeStandIn()
    const r = await runInfra('up', { stack: 'lab', inventoryDir: MINI, yes: true, env: await envWith({ CI: 'true' }), pulumi: { root: standIn.root, skipVersionCheck: true } })
    expect(r.status).toBe('done')
    expect(r.changes).toEqual({ create: 38 })
    expect(r.outputs).toMatchObject({ hubEndpoint: 'hub.from-stack.example.cn:51820', stationCount: 2 })
    expect(r.cloud).toMatchObject({ source: 'pulumi-stack', hub: { endpoint: 'hub.from-stack.example.cn:51820', address: '10.250.0.1' }, portal: { url: 'http://portal.from-stack.example.cn/' } })
    expect((await standIn.calls()).some((c) => c.startsWith('up --yes --skip-preview'))).toBe(true)
  })

  it('asks in an interactive session, and changes nothing when the answer is no', async () => {
    const standIn = await makeStandIn()
    const questions: string[] = []
    const r = await runInfra('up', { stack: 'lab', inventoryDir: MINI, interactive: true, confirm: async (q) => (questions.push(q), false), env: await envWith(), pulumi: { root: standIn.root, skipVersionCheck: true } })
    expect(r.status).toBe('declined')
    expect(questions).toEqual(['Apply these changes to stack lab?'])
    const calls = await standIn.calls()
    expect(calls.some((c) => c.startsWith('preview '))).toBe(true)
    expect(calls.some((c) => c.startsWith('up '))).toBe(false)
  })

  it('maps a locked stack to exit 7 and a failed update to exit 4', async () => {
    const locked = await makeStandIn()
    await locked.set('locked')
    const err = await reject(runInfra('up', { stack: 'lab', inventoryDir: MINI, yes: true, env: await envWith(), pulumi: { root: locked.root, skipVersionCheck: true } }))
    expect(err).toBeInstanceOf(LockedError)
    expect((err as LockedError).exitCode).toBe(7)
    expect((err as LockedError).hint).toContain('infra refresh --stack lab')

    const failing = await makeStandIn()
    await failing.set('fail')
    const failed = await reject(runInfra('up', { stack: 'lab', inventoryDir: MINI, yes: true, env: await envWith(), pulumi: { root: failing.root, skipVersionCheck: true } }))
    expect(failed).toBeInstanceOf(LastmileError)
    expect((failed as LastmileError).exitCode).toBe(4)
    expect((failed as LastmileError).message).toContain('the server could not find the requested resource')
  })

  it('infra outputs on a stack that was never created is a usage error that says to run up', async () => {
    const standIn = await makeStandIn()
    await standIn.set('no-stack')
    const err = await reject(infraOutputs({ stack: 'lab', inventoryDir: MINI, env: await envWith(), pulumi: { root: standIn.root, skipVersionCheck: true } }))
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).hint).toContain('infra up --stack lab')
    expect(await standIn.calls()).not.toContain('stack init lab --non-interactive')
  })

  it('infra outputs reads the deployed stack', async () => {
    const standIn = await makeStandIn()
    const r = await infraOutputs({ stack: 'lab', inventoryDir: MINI, env: await envWith(), pulumi: { root: standIn.root, skipVersionCheck: true } })
    expect(r).toMatchObject({ source: 'pulumi-stack', cloud: { hub: { endpoint: 'hub.from-stack.example.cn:51820' } } })
    expect(r.notice).toBeUndefined()
  })

  it('says so when the file backend has no passphrase (exit 2), before running Pulumi commands on the stack', async () => {
    const standIn = await makeStandIn()
    const env = await envWith()
    delete env.PULUMI_CONFIG_PASSPHRASE
    const err = await reject(runInfra('preview', { stack: 'lab', inventoryDir: MINI, env, pulumi: { root: standIn.root, skipVersionCheck: true } }))
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).message).toContain('PULUMI_CONFIG_PASSPHRASE')
    expect(await standIn.calls()).toEqual([])
  })

  it('cloudStep brings the stack up and returns its outputs', async () => {
    const standIn = await makeStandIn()
    const r = await cloudStep({ stack: 'lab', inventory: await load(MINI), yes: true, env: await envWith({ CI: 'true' }), pulumi: { root: standIn.root, skipVersionCheck: true } })
    expect(r.mode).toBe('pulumi-up')
    expect(r.notice).toBeUndefined()
    expect(r.outputs).toMatchObject({ source: 'pulumi-stack', hub: { endpoint: 'hub.from-stack.example.cn:51820' } })
    expect(r.changes).toEqual({ create: 38 })
  })
})
