import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LockedError } from '../../src/cli/errors.js'
import { clearLabFault, setLabFault, startLab, stopLab } from '../../src/lab/service.js'
import { readLabTarget, type LabTarget } from '../../src/lab/target.js'
import { readJournal } from '../../src/rollout/journal.js'
import { acquireLock } from '../../src/rollout/lock.js'
import { nullReporter } from '../../src/rollout/progress.js'
import type { RolloutResult } from '../../src/rollout/result.js'
import { exitCodeFor } from '../../src/rollout/result.js'
import { runRollout, type RunOptions } from '../../src/rollout/service.js'
import { stationStatus } from '../../src/status/service.js'
import { planStations } from '../../src/plan/plan.js'
import { liveSourceForPlan } from '../../src/rollout/live-source.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { selectStations } from '../../src/inventory/select.js'

/*
 * The rollout against the lab: real sshd-less SSH endpoints on loopback, the real agent under a
 * real shell, real watchdogs. The mini fixture plus synthesized stations (lab up --stations) keeps
 * it small: a few towns of a few stations each.
 */
const INVENTORY = 'tests/fixtures/inventory-mini'
const STATIONS = 12

let home: string
let lab: LabTarget
const env = (): NodeJS.ProcessEnv => ({ ...process.env, LASTMILE_HOME: home, CI: 'true' })

/**
 * The lab's network stub decides "the new config cut the link" by looking for the management
 * address in the rendered network file. A station without lab/expected-mgmt never loses its link;
 * one with an address no config ever has always does.
 */
async function linkSafe(ids: string[] | 'all'): Promise<void> {
  for (const s of lab.stations) {
    if (ids !== 'all' && !ids.includes(s.id)) continue
    await rm(path.join(s.root, 'lab', 'expected-mgmt'), { force: true })
    await rm(path.join(s.root, 'lab', 'link-down'), { force: true })
  }
}
/** The station's current network config has an address the new render lacks: reloading the new one cuts the link, the old one restores it. */
async function linkCutting(id: string): Promise<void> {
  const s = lab.stations.find((x) => x.id === id)!
  await writeFile(path.join(s.root, 'etc/config/network'), "config interface 'mgmt'\n\toption ipaddr '10.99.99.99'\n")
  await writeFile(path.join(s.root, 'lab', 'expected-mgmt'), '10.99.99.99\n')
}

function opts(over: Partial<RunOptions> = {}): RunOptions {
  return {
    command: 'rollout',
    inventoryDir: INVENTORY,
    lab: true,
    env: env(),
    reporter: nullReporter,
    stop: new AbortController().signal,
    confirmWithinS: 30,
    pollIntervalMs: 500,
    watchdogMarginS: 15,
    unreachableRetry: { attempts: 2, backoffMs: 200 },
    labControl: null,
    ...over,
  }
}

async function rollout(over: Partial<RunOptions> = {}): Promise<RolloutResult> {
  const r = await runRollout(opts(over))
  if ('dryRun' in r) throw new Error('unexpected dry run')
  return r
}

async function agentState(id: string): Promise<{ applied: string | null; pending: boolean }> {
  const s = lab.stations.find((x) => x.id === id)!
  const applied = await readFile(path.join(s.root, 'etc/lastmile/state/applied'), 'utf8').then((t) => t.trim(), () => null)
  const pending = await readFile(path.join(s.root, 'etc/lastmile/state/pending'), 'utf8').then(() => true, () => false)
  return { applied, pending }
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lm-rollout-'))
  await startLab({ home, inventoryDir: INVENTORY, port: 0, stations: STATIONS })
  lab = await readLabTarget(home)
  await linkSafe('all')
}, 120_000)

afterAll(async () => {
  if (home) await stopLab({ home, purge: true }).catch(() => undefined)
})

describe('rollout against the lab', () => {
  it('a full rollout confirms every station; a rerun changes nothing (every station unchanged)', async () => {
    const r = await rollout({ pollIntervalMs: 500 })
    expect(r.totals.confirmed).toBe(STATIONS)
    expect(r.aborted).toBeNull()
    expect(exitCodeFor(r)).toBe(0)
    expect(r.waves[0]?.name).toBe('canary')
    for (const s of r.stations) expect((await agentState(s.id)).applied).toBe(s.configId)
    const again = await rollout()
    expect(again.totals.unchanged).toBe(STATIONS)
    expect(again.totals.confirmed).toBe(0)
    // the preflight settled them all: no wave had anything to run
    expect(again.waves.map((w) => w.name)).toEqual(['up-to-date'])
    expect(again.report).toMatch(/\.html$/)
    // status renders with the same cloud values as the push: every station is up to date
    const st = await stationStatus({ inventoryDir: INVENTORY, lab: true, env: env() })
    expect(st.totals).toMatchObject({ stations: STATIONS, 'up-to-date': STATIONS })
  })

  it('plan --live asks the agents: a file edited on a station shows as a change the local record does not know of', async () => {
    const livePlan = async () => planStations({ inventoryDir: INVENTORY, lab: true, env: env(), source: liveSourceForPlan })
    const clean = await livePlan()
    expect(clean.source).toBe(`live probe of ${STATIONS} stations`)
    expect(clean.totals).toMatchObject({ stations: STATIONS, unchanged: STATIONS })
    const edited = lab.stations[0]!
    await writeFile(path.join(edited.root, 'etc/config/network'), '# edited on site\n')
    const drift = await livePlan()
    expect(drift.totals).toMatchObject({ changed: 1, unchanged: STATIONS - 1 })
    const st = drift.stations.find((s) => s.id === edited.id)!
    expect(st.state).toBe('changed')
    expect(st.files.filter((f) => f.change !== 'unchanged').map((f) => f.path)).toEqual(['/etc/config/network'])
    // this machine's record still says what it applied: without --live the edit is invisible
    const local = await planStations({ inventoryDir: INVENTORY, lab: true, env: env() })
    expect(local.totals).toMatchObject({ unchanged: STATIONS })
  })

  it('a config that fails to reload in one town is caught by the canary: exit 5 before the rest', async () => {
    const town = lab.stations.find((s) => s.town && s.town.slug)!.town!
    const before = new Map(await Promise.all(lab.stations.map(async (s) => [s.id, await agentState(s.id)] as const)))
    await setLabFault({ home, selector: town.slug, assignments: ['failReload=network'] })
    try {
      // every station needs a push: its network file was edited on site
      for (const s of lab.stations) await writeFile(path.join(s.root, 'etc/config/network'), '# edited on site\n')
      const r = await rollout()
      expect(r.aborted).toMatchObject({ wave: 0, rule: 'failure' })
      expect(exitCodeFor(r)).toBe(5)
      const canary = r.stations.find((s) => s.state === 'rolled-back')
      expect(canary?.error?.class).toBe('reload-failed')
      // nothing outside the canary wave was touched
      expect(r.waves.slice(1).every((w) => w.counts.skipped === w.stations)).toBe(true)
      const canaryIds = new Set(r.stations.filter((s) => s.state !== 'skipped').map((s) => s.id))
      expect(canaryIds.size).toBeLessThanOrEqual(r.waves[0]?.stations ?? 0)
      for (const [id, b] of before) if (!canaryIds.has(id)) expect((await agentState(id)).applied).toBe(b.applied)
    } finally {
      await clearLabFault({ home, all: true })
    }
    const fixed = await rollout()
    expect(fixed.totals.failed + fixed.totals.rolledBack).toBe(0)
  })

  it('unreachable stations are deferred, retried, reported apart; the unreachable threshold is respected', async () => {
    const down = lab.stations.slice(-2).map((s) => s.id)
    for (const s of lab.stations) await writeFile(path.join(s.root, 'etc/config/network'), '# edited on site\n')
    for (const id of down) await setLabFault({ home, selector: id, assignments: ['unreachable=true'] })
    try {
      const r = await rollout({ thresholds: { maxUnreachablePercent: 50, minExecuted: 1 } })
      expect(r.aborted).toBeNull()
      expect(r.totals.unreachable).toBe(2)
      expect(r.totals.failed).toBe(0)
      for (const id of down) expect(r.stations.find((s) => s.id === id)).toMatchObject({ state: 'unreachable', attempts: 3 })
      expect(exitCodeFor(r)).toBe(4)
      const j = await readJournal(home, r.runId)
      expect(j.events.filter((e) => e.type === 'deferred').length).toBe(4)
      // a tight threshold aborts on the same outage
      const strict = await rollout({ thresholds: { maxUnreachablePercent: 5, minExecuted: 1 } })
      expect(strict.aborted?.rule).toBe('unreachable')
      expect(exitCodeFor(strict)).toBe(5)
    } finally {
      await clearLabFault({ home, all: true })
    }
  })

  it('a second rollout while one holds the lock exits 7 naming the holder', async () => {
    const lock = await acquireLock({ home, holder: { pid: process.pid, host: (await import('node:os')).hostname(), runId: '20991129T000000000Z-aaaaaa', startedAt: new Date().toISOString(), stations: 3 } })
    try {
      const err = await rollout().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(LockedError)
      expect((err as LockedError).exitCode).toBe(7)
      expect((err as LockedError).message).toContain(`pid ${process.pid}`)
      const cli = await runCli(['rollout', '--lab', '--json'])
      expect(cli.code).toBe(7)
      expect(JSON.parse(cli.stdout).error.code).toBe('locked')
    } finally {
      await lock.release()
    }
  })

  it('kill -9 of the CLI mid-wave: --resume finishes; every station confirmed or rolled back, none applied twice', async () => {
    for (const s of lab.stations) await writeFile(path.join(s.root, 'etc/config/network'), '# edited on site\n')
    // slow links so the kill lands mid-wave
    await setLabFault({ home, selector: '*', assignments: ['latencyMs=300'] }).catch(async () => {
      for (const s of lab.stations) await setLabFault({ home, selector: s.id, assignments: ['latencyMs=300'] })
    })
    const child = spawnCli(['rollout', '--lab', '--confirm-within', '60', '--concurrency', '2'])
    // wait for the first applied event, then kill -9
    const runs = path.join(home, 'runs')
    let runId: string | undefined
    for (let i = 0; i < 600 && !runId; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const files = await (await import('node:fs/promises')).readdir(runs).catch(() => [] as string[])
      for (const f of files.sort().reverse()) {
        const text = await readFile(path.join(runs, f), 'utf8')
        if (text.includes('"type":"run-started"') && !text.includes('"type":"run-finished"') && (text.match(/"type":"applied"/g) ?? []).length >= 3) runId = f.replace('.jsonl', '')
      }
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(runId).toBeDefined()
    await clearLabFault({ home, all: true })
    const r = await rollout({ resume: runId! })
    expect(r.resumed).toBe(true)
    expect(r.totals.failed + r.totals.unreachable + r.totals.skipped).toBe(0)
    expect(r.totals.confirmed + r.totals.rolledBack).toBe(STATIONS)
    const j = await readJournal(home, runId!)
    const applied = j.events.filter((e) => e.type === 'applied').map((e) => (e as { station: string }).station)
    expect(new Set(applied).size).toBe(applied.length)
    // the agents agree: one network reload per station for this run's apply
    for (const s of lab.stations) {
      const st = await agentState(s.id)
      expect(st.pending).toBe(false)
    }
  })
})

// Its own lab: after other rollouts on the same lab, a cut link was seen coming back before the
// watchdog fired (under investigation with the lab: see docs/rollout.md, open items).
/** A describe block's own lab (home and lab swapped in for its tests, the shared one restored after). */
function ownLab(prefix: string, stations?: number): void {
  let saved: { home: string; lab: LabTarget } | undefined
  beforeAll(async () => {
    saved = { home, lab }
    home = await mkdtemp(path.join(tmpdir(), prefix))
    await startLab({ home, inventoryDir: INVENTORY, port: 0, ...(stations ? { stations } : {}) })
    lab = await readLabTarget(home)
    await linkSafe('all')
  }, 120_000)
  afterAll(async () => {
    await stopLab({ home, purge: true }).catch(() => undefined)
    if (saved) ({ home, lab } = saved)
  })
}

describe('rollout against a fresh lab: link cut by the new config', () => {
  ownLab('lm-rollout-cut-')

  it('a link-cutting config: no confirm possible, the watchdog rolls back, the station is reachable again on its old config', async () => {
    const id = lab.stations[1]!.id
    const before = await agentState(id)
    await linkCutting(id)
    try {
      const r = await runRollout({ ...opts({ command: 'push', stations: [id], confirmWithinS: 5, watchdogMarginS: 20 }) })
      if ('dryRun' in r) throw new Error('dry run')
      expect(r.stations[0]).toMatchObject({ id, state: 'rolled-back', error: { class: 'watchdog-rollback' } })
      expect(await agentState(id)).toEqual({ applied: before.applied, pending: false })
    } finally {
      await linkSafe([id])
    }
    const again = await rollout({ command: 'push', stations: [id] })
    expect(again.stations[0]?.state).toBe('confirmed')
  })

})

// A lab of fewer stations than the inventory (`lab up --stations 1`; the mini fixture has 2 active): the push goes to the ones it runs.
describe('rollout against a lab that runs only part of the inventory', () => {
  ownLab('lm-rollout-part-', 1)

  it('the stations the lab does not run are left out with a warning, not retried as unreachable', async () => {
    const notes: string[] = []
    const r = await runRollout({ ...opts({ command: 'push', inventoryExplicit: true }), warn: (t) => notes.push(t) })
    if ('dryRun' in r) throw new Error('dry run')
    expect(r.stations.map((s) => s.id).sort()).toEqual(lab.stations.map((s) => s.id).sort())
    expect(r.totals.confirmed).toBe(1)
    expect(r.totals.unreachable).toBe(0)
    expect(exitCodeFor(r)).toBe(0)
    expect(notes.join('\n')).toMatch(/the lab runs 1 of the 2 selected stations: the other 1 is left out of this push/)

    // status --live asks only the stations the lab runs; the other is not shown unreachable
    const st = await stationStatus({ inventoryDir: INVENTORY, inventoryExplicit: true, lab: true, live: true, env: env() })
    expect(st.warnings.join('\n')).toMatch(/the lab runs 1 of the 2 selected stations: the other 1 was not probed/)
    expect(st.totals).toMatchObject({ stations: 2, 'up-to-date': 1, unreachable: 0, 'never-pushed': 1 })

    // plan --live likewise: the lab's station is probed, the other is compared with this machine's record
    const plan = await planStations({ inventoryDir: INVENTORY, lab: true, env: env(), source: liveSourceForPlan })
    expect(plan.source).toBe('live probe of 1 station; local record for the 1 the lab does not run')
    expect(plan.warnings.map((w) => w.message).join('\n')).toMatch(/the lab runs 1 of the 2 selected stations: the other 1 was not probed/)
    expect(plan.totals).toMatchObject({ stations: 2, unchanged: 1, new: 1 })
  })

  it('a station named with --station that the lab does not run is refused before anything is pushed', async () => {
    const inLab = new Set(lab.stations.map((s) => s.id))
    const { inventory } = await loadInventoryOrThrow(INVENTORY)
    const outside = selectStations(inventory, {}).find((s) => !inLab.has(s.id))!.id
    await expect(runRollout(opts({ command: 'push', inventoryExplicit: true, stations: [lab.stations[0]!.id, outside] }))).rejects.toThrow(new RegExp(`station ${outside} is not in the running lab \\(it runs 1 station\\)`))
    await expect(planStations({ inventoryDir: INVENTORY, lab: true, stations: [lab.stations[0]!.id, outside], env: env(), source: liveSourceForPlan })).rejects.toThrow(new RegExp(`station ${outside} is not in the running lab`))
  })
})

function cliArgs(args: string[]): string[] {
  return ['--import', 'tsx', path.resolve('bin/dev.js'), ...args]
}

function spawnCli(args: string[]) {
  return spawn(process.execPath, cliArgs(args), { env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
}

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  return { code, stdout, stderr }
}
