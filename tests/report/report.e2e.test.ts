import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendHistory } from '../../src/health/history.js'
import { evaluate } from '../../src/health/evaluate.js'
import { applyTopology } from '../../src/health/topology.js'
import type { Inventory } from '../../src/inventory/model.js'
import { writeHtmlReport } from '../../src/report/write.js'
import { healthyAgent, loadQingcheng } from '../health/helpers.js'
import { RUN_ID, T0, cannedRun } from './canned-run.js'

const ARTIFACTS = path.resolve('.lastmile/artifacts')
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

let qc: Inventory
let home: string
let browser: BrowserContext
let userDataDir: string
let failedId: string
let rolledBackId: string
let file: string

beforeAll(async () => {
  qc = await loadQingcheng()
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-report-e2e-'))
  userDataDir = await mkdtemp(path.join(tmpdir(), 'lastmile-chromium-'))
  const yuantan = qc.stations.filter((s) => s.hasStation && s.town.slug === 'yuantan' && !s.canary)
  const shijiao = qc.stations.filter((s) => s.hasStation && s.town.slug === 'shijiao' && !s.canary)
  failedId = yuantan[2]!.id
  rolledBackId = shijiao[4]!.id
  const events = cannedRun(qc, {
    outcomes: {
      [failedId]: { type: 'failed', errorClass: 'reload-failed', message: '/etc/init.d/network reload exited 1: br-lan: cannot assign VLAN 20' },
      [rolledBackId]: { type: 'rolled-back', reason: 'no confirm within 120 s: the watchdog restored the previous config' },
      [shijiao[7]!.id]: { type: 'unreachable', errorClass: 'unreachable', message: 'connection timed out (ETIMEDOUT) after 3 attempts' },
      [yuantan[5]!.id]: { type: 'unchanged' },
      [yuantan[6]!.id]: { type: 'unchanged' },
    },
  })
  await mkdir(path.join(home, 'runs'), { recursive: true })
  await writeFile(path.join(home, 'runs', `${RUN_ID}.jsonl`), events.map((e) => JSON.stringify(e)).join('\n') + '\n')

  // A health run after the rollout: Longtang's uplink is down, a few station problems.
  const at = Date.parse(events.at(-1)!.ts) + 600_000
  const stations = qc.stations
    .filter((s) => s.hasStation)
    .map((s, i) => {
      if (s.town.slug === 'longtang' && i % 6 !== 0) return evaluate({ station: s, error: { kind: 'unreachable', message: 'connection timed out' }, now: at })
      const h = healthyAgent(s, at)
      if (i === 40) h.disk = { totalKb: 14336, availableKb: 500 }
      if (i === 41) h.usb = h.usb.slice(1)
      if (i === 42) h.wan = { interface: 'wwan0', up: true, link: '4g' }
      return evaluate({ station: s, health: h, now: at, timeZone: 'Asia/Shanghai' })
    })
  const topo = applyTopology({ stations, towns: qc.towns, now: at, timeZone: 'Asia/Shanghai' })
  await appendHistory(home, at, topo.stations, topo.townAlerts)

  file = await writeHtmlReport({ inventory: qc, out: path.join(home, 'report.html'), home, now: () => at + 60_000 })
  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(userDataDir, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 })
})

afterAll(async () => {
  await browser?.close()
  await rm(home, { recursive: true, force: true })
  await rm(userDataDir, { recursive: true, force: true })
})

describe('the HTML report in headless Chromium', () => {
  it('renders every town, the station counts, a failed station\'s reason, with no network request', async () => {
    const page = await browser.newPage()
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })

    const towns = await page.$$eval('.town', (els) => els.map((e) => ({ slug: e.getAttribute('data-town'), n: Number(e.getAttribute('data-stations')), tiles: e.querySelectorAll('.tile').length, title: e.querySelector('h3')?.textContent ?? '' })))
    expect(towns.map((t) => t.slug).sort()).toEqual(qc.towns.map((t) => t.slug).sort())
    for (const t of qc.towns) {
      const active = t.stations.filter((s) => s.hasStation).length
      const shown = towns.find((x) => x.slug === t.slug)!
      expect(shown.tiles, t.slug).toBe(active)
      expect(shown.title).toContain(t.name)
      expect(shown.title).toContain(`${active} 个站点`)
    }

    const row = page.locator(`#failures tr[data-station="${failedId}"]`)
    await expect(row.count()).resolves.toBe(1)
    expect(await row.isVisible()).toBe(true)
    expect(await row.textContent()).toContain('reload-failed')
    expect(await row.locator('.reason').textContent()).toBe('/etc/init.d/network reload exited 1: br-lan: cannot assign VLAN 20')
    expect(await page.locator(`#failures tr[data-station="${rolledBackId}"]`).textContent()).toContain('the watchdog restored the previous config')

    const tile = page.locator(`.tile[data-id="${failedId}"]`)
    expect(await tile.getAttribute('data-state')).toBe('failed')
    expect(await tile.getAttribute('title')).toContain(failedId)

    expect(await page.locator('#run-id').textContent()).toBe(RUN_ID)
    expect(await page.locator('#kpi-failed .n').textContent()).toBe('1')
    expect(await page.locator('svg.timeline').count()).toBe(1)
    expect(await page.locator('#health [data-town-alert]').count()).toBe(1)
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')

    expect(requests.length).toBeGreaterThan(0)
    for (const u of requests) expect(u.startsWith('file://'), u).toBe(true)

    await mkdir(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true })
    expect((await stat(path.join(ARTIFACTS, 'report.png'))).size).toBeGreaterThan(10_000)
    await page.close()
  })

  it('reads the same with JavaScript off', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lastmile-chromium-nojs-'))
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, javaScriptEnabled: false })
    const page = await ctx.newPage()
    await page.goto(pathToFileURL(file).href)
    expect(await page.locator('.tile').count()).toBe(qc.stations.filter((s) => s.hasStation).length)
    expect(await page.locator(`#failures tr[data-station="${failedId}"] .reason`).textContent()).toContain('cannot assign VLAN 20')
    await ctx.close()
    await rm(dir, { recursive: true, force: true })
  })
})

describe('lastmile report (the built CLI)', () => {
  it('writes the report of the latest run and says where', async () => {
    const out = path.join(home, 'cli.html')
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.resolve('bin/run.js'), 'report', '--inventory', path.resolve('inventory/qingcheng'), '--html', out, '--json'], { env: { ...process.env, LASTMILE_HOME: home, CI: 'true' }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
      )
    })
    expect(r.code, r.stderr).toBe(0)
    const env = JSON.parse(r.stdout) as { status: number; result: { file: string; runId: string; hasRun: boolean } }
    expect(env.result).toMatchObject({ file: out, runId: RUN_ID, hasRun: true })
    const html = await readFile(out, 'utf8')
    expect(html).toContain(RUN_ID)
    expect(html).toContain('cannot assign VLAN 20')
  })

  it('refuses an unknown run id with exit 2', async () => {
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [path.resolve('bin/run.js'), 'report', '--inventory', path.resolve('inventory/qingcheng'), '--run', '20200101T000000000Z-ffffff', '--html', path.join(home, 'x.html'), '--json'], { env: { ...process.env, LASTMILE_HOME: home, CI: 'true' }, timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout }),
      )
    })
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.message).toContain('no run 20200101T000000000Z-ffffff')
  })
})

void T0
