import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Inventory } from '../../src/inventory/model.js'
import { escapeHtml, h } from '../../src/report/escape.js'
import { renderReportHtml } from '../../src/report/html.js'
import { buildReportModel, finalStates } from '../../src/report/model.js'
import { writeHtmlReport } from '../../src/report/write.js'
import { registerSecretValue } from '../../src/secrets/redact.js'
import { loadMini, loadQingcheng } from '../health/helpers.js'
import { RUN_ID, T0, cannedRun } from './canned-run.js'

let qc: Inventory
let mini: Inventory
let home: string
beforeAll(async () => {
  qc = await loadQingcheng()
  mini = await loadMini()
})
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'lastmile-report-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const HOSTILE = `<script>alert("x")</script>"><img src=x onerror=alert(1)> & 'quote'`

describe('report model', () => {
  it('takes the final state of every station and the failures with their reasons', () => {
    const [a, b, c] = qc.stations.filter((s) => s.hasStation && s.town.slug === 'yuantan' && !s.canary)
    const events = cannedRun(qc, {
      outcomes: {
        [a!.id]: { type: 'failed', errorClass: 'reload-failed', message: 'network reload exited 1' },
        [b!.id]: { type: 'rolled-back', reason: 'no confirm within 120 s: watchdog restored the previous config' },
        [c!.id]: { type: 'unreachable', errorClass: 'unreachable', message: 'connection timed out after 3 attempts' },
      },
    })
    const m = buildReportModel({ inventory: qc, runId: RUN_ID, events, now: T0 + 3_600_000 })
    const active = qc.stations.filter((s) => s.hasStation).length
    expect(m.run?.counts.confirmed).toBe(active - 3)
    expect(m.run?.counts.failed).toBe(1)
    expect(m.run?.counts['rolled-back']).toBe(1)
    expect(m.run?.counts.unreachable).toBe(1)
    expect(m.run?.status).toBe('partial')
    expect(m.run?.waves[0]).toMatchObject({ name: 'canary', label: '试点 canary', stations: 8 })
    expect(m.run?.waves.find((w) => w.name === 'yuantan')?.label).toBe('源潭镇 yuantan')
    expect(m.run?.failures.map((f) => [f.station, f.state, f.errorClass])).toEqual(expect.arrayContaining([
      [a!.id, 'failed', 'reload-failed'],
      [b!.id, 'rolled-back', 'rolled-back'],
      [c!.id, 'unreachable', 'unreachable'],
    ]))
    expect(m.run?.failures).toHaveLength(3)
    expect(m.towns).toHaveLength(8)
    expect(m.totals.stations).toBe(active)
  })

  it('a station retried to success is not a failure; a later terminal event wins', () => {
    const events = cannedRun(mini)
    const id = '441802006001'
    const i = events.findIndex((e) => e.type === 'confirmed' && e.station === id)
    events.splice(i, 0, { ts: events[i]!.ts, type: 'unreachable', wave: 0, station: id, errorClass: 'unreachable', message: 'x', attempt: 1, final: false, ms: 1 })
    expect(finalStates(events).get(id)).toBe('confirmed')
    expect(buildReportModel({ inventory: mini, events, now: T0 }).run?.failures).toEqual([])
  })

  it('fibre-upgrade progress and WiFi coverage by town come from the inventory', () => {
    const m = buildReportModel({ inventory: qc, now: T0 })
    for (const t of qc.towns) {
      const active = t.stations.filter((s) => s.hasStation)
      expect(m.fibre.find((f) => f.town === t.code)).toMatchObject({ total: active.length, done: active.filter((s) => s.fibreUpgrade.status === 'done').length })
      expect(m.wifi.find((w) => w.town === t.code)).toEqual({ town: t.code, withWifi: active.filter((s) => s.wifi).length, total: active.length })
    }
  })
})

describe('report HTML', () => {
  it('escapes every hostile string from the journal', () => {
    const id = '441802006001'
    const events = cannedRun(mini, { outcomes: { [id]: { type: 'failed', errorClass: `apply<b>"&`, message: HOSTILE } } })
    const html = renderReportHtml(buildReportModel({ inventory: mini, runId: `run<i>"`, events, now: T0 }))
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<b>"&')
    expect(html).not.toContain('run<i>')
    expect(html).toContain(escapeHtml(HOSTILE))
    expect(html).toContain('apply&lt;b&gt;&quot;&amp;')
    // the only script is ours
    expect(html.match(/<script>/g)).toHaveLength(1)
  })

  it('escapes hostile station names from the inventory in text and attributes', () => {
    const bad = structuredClone(mini.towns) as Inventory['towns']
    bad[0]!.stations[0]!.short = `<b onmouseover="x">`
    bad[0]!.stations[0]!.name = `"><script>1</script>`
    const inv = { ...mini, towns: bad, stations: bad.flatMap((t) => t.stations) }
    const html = renderReportHtml(buildReportModel({ inventory: inv, now: T0 }))
    expect(html).not.toContain('<b onmouseover')
    expect(html).not.toContain('"><script>1')
    expect(html).toContain('&lt;b onmouseover=&quot;x&quot;&gt;')
  })

  it('is self-contained: lang zh-CN, a CJK font stack, inline CSS, no external URL', () => {
    const html = renderReportHtml(buildReportModel({ inventory: qc, runId: RUN_ID, events: cannedRun(qc), now: T0 }))
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="zh-CN">/)
    expect(html).toContain('<meta charset="utf-8">')
    expect(html).toMatch(/font:[^;]*"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC"/)
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|src=|@import|url\((?!#)/i)
    expect(html).toContain('<svg class="timeline"')
  })

  it('masks registered secret values anywhere in the report', async () => {
    const secret = 'wifi-Key-Do-Not-Leak-77'
    registerSecretValue(secret)
    const events = cannedRun(mini, { outcomes: { '441802006001': { type: 'failed', errorClass: 'reload-failed', message: `psk ${secret} rejected` } } })
    expect(h(`x ${secret}`)).toBe('x ‹secret›')
    const out = await writeHtmlReport({ inventory: mini, runId: RUN_ID, journalEvents: events, out: path.join(home, 'r.html'), home, now: () => T0 })
    const html = await readFile(out, 'utf8')
    expect(html).not.toContain(secret)
    expect(html).toContain('psk ‹secret› rejected')
  })

  it('without any run: inventory and health only, and says so', async () => {
    const out = await writeHtmlReport({ inventory: mini, out: path.join(home, 'sub', 'r.html'), home, now: () => T0 })
    const html = await readFile(out, 'utf8')
    expect(html).toContain('id="no-run"')
    expect(html).toContain('No rollout has been run yet')
    expect(html).not.toContain('id="timeline"')
    expect(html).toContain('id="fibre"')
  })

  it('reads the latest run from the journal when none is given', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises')
    await mkdir(path.join(home, 'runs'), { recursive: true })
    const older = '20261128T020000000Z-000000'
    await writeFile(path.join(home, 'runs', `${older}.jsonl`), cannedRun(mini).map((e) => JSON.stringify(e)).join('\n') + '\n')
    await writeFile(path.join(home, 'runs', `${RUN_ID}.jsonl`), cannedRun(mini, { outcomes: { '441802006001': { type: 'failed', errorClass: 'disk-full', message: 'no space left' } } }).map((e) => JSON.stringify(e)).join('\n') + '\n')
    const html = await readFile(await writeHtmlReport({ inventory: mini, out: path.join(home, 'r.html'), home, now: () => T0 }), 'utf8')
    expect(html).toContain(`<b id="run-id">${RUN_ID}</b>`)
    expect(html).toContain('no space left')
  })
})
