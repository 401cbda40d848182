import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { changesSince, parseDuration } from '../../src/health/changes.js'
import { evaluate } from '../../src/health/evaluate.js'
import { appendHistory, readHistory, stationRecords } from '../../src/health/history.js'
import { emptyIndex, readAnswerIndex, updateAnswers, writeAnswerIndex } from '../../src/health/last-seen.js'
import { applyStaleness } from '../../src/health/staleness.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import { registerSecretValue } from '../../src/secrets/redact.js'
import { NOW, check, healthyAgent, loadMini, station } from './helpers.js'

let inv: Inventory
let s: Station
let home: string
beforeAll(async () => {
  inv = await loadMini()
  s = station(inv, '441802006001')
})
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'lastmile-health-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const H = 3_600_000
const ok = (at: number) => evaluate({ station: s, health: healthyAgent(s, at), now: at })
const down = (at: number) => evaluate({ station: s, error: { kind: 'unreachable', message: 'no route to host' }, now: at })

describe('staleness (injected clock)', () => {
  it('no answer for 26 h → critical "stale, not ok"', () => {
    const index = updateAnswers(emptyIndex(), [ok(NOW - 26 * H)], NOW - 26 * H)
    const [r] = applyStaleness([down(NOW)], index, NOW, 24 * H, 'Asia/Shanghai')
    expect(r!.stale).toBe(true)
    expect(r!.state).toBe('critical')
    const c = check(r!, 'stale')
    expect(c.state).toBe('critical')
    expect(c.reason.en).toBe('no data for 26 h (last answer 2026-11-28 08:00) — stale, not ok')
    expect(c.reason.zh).toContain('已 26 小时没有数据')
    expect(r!.lastAnswerAt).toBe(new Date(NOW - 26 * H).toISOString())
  })

  it('not stale within the limit; the limit is configurable', () => {
    const index = updateAnswers(emptyIndex(), [ok(NOW - 20 * H)], NOW - 20 * H)
    expect(applyStaleness([down(NOW)], index, NOW, 24 * H)[0]!.stale).toBeUndefined()
    expect(applyStaleness([down(NOW)], index, NOW, 12 * H)[0]!.stale).toBe(true)
  })

  it('a station that never answered in 30 h of history is stale', () => {
    const index = updateAnswers(emptyIndex(), [down(NOW - 30 * H)], NOW - 30 * H)
    const [r] = applyStaleness([down(NOW)], index, NOW, 24 * H)
    expect(check(r!, 'stale').reason.en).toBe('never answered in 30 h of history — stale, not ok')
  })

  it('an answering station is never stale', () => {
    const [r] = applyStaleness([ok(NOW)], emptyIndex(), NOW, 24 * H)
    expect(r!.state).toBe('ok')
  })
})

describe('history', () => {
  it('appends one JSON line per station to health/<date>.jsonl, readable back', async () => {
    const file = await appendHistory(home, NOW, [ok(NOW)], [])
    expect(path.basename(file)).toBe('2026-11-29.jsonl')
    await appendHistory(home, NOW + H, [down(NOW + H)], [])
    const recs = stationRecords(await readHistory(home, { from: NOW - H, to: NOW + 2 * H }))
    expect(recs.map((r) => [r.state, r.answered])).toEqual([
      ['ok', true],
      ['critical', false],
    ])
    expect(recs[1]!.problems[0]!.reason.en).toContain('no route to host')
  })

  it('skips a torn last line', async () => {
    const file = await appendHistory(home, NOW, [ok(NOW)], [])
    const { appendFile } = await import('node:fs/promises')
    await appendFile(file, '{"v":1,"type":"stat')
    expect(await readHistory(home, { from: NOW - H, to: NOW + H })).toHaveLength(1)
  })

  it('keeps no secret values', async () => {
    const secret = 'pppoe-Secret-Value-123'
    registerSecretValue(secret)
    const r = evaluate({ station: s, error: { kind: 'auth', message: `refused password ${secret}` }, now: NOW })
    const file = await appendHistory(home, NOW, [r], [])
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain(secret)
    expect(text).toContain('‹secret›')
  })

  it('the last-seen index survives a round trip', async () => {
    const idx = updateAnswers(updateAnswers(emptyIndex(), [ok(NOW - 2 * H)], NOW - 2 * H), [down(NOW)], NOW)
    await writeAnswerIndex(home, idx)
    const back = await readAnswerIndex(home)
    expect(back?.lastAnswer.get(s.id)).toBe(NOW - 2 * H)
    expect(back?.downSince.get(s.id)).toBe(NOW)
    expect((await readdir(path.join(home, 'health'))).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('changes --since', () => {
  it('lists each state transition with its time', async () => {
    await appendHistory(home, NOW - 30 * H, [ok(NOW - 30 * H)], [])
    await appendHistory(home, NOW - 10 * H, [down(NOW - 10 * H)], [])
    await appendHistory(home, NOW - 9 * H, [down(NOW - 9 * H)], [])
    await appendHistory(home, NOW - 2 * H, [ok(NOW - 2 * H)], [])
    const recs = stationRecords(await readHistory(home, { from: NOW - 48 * H, to: NOW }))
    const c = changesSince(recs, NOW - 24 * H)
    expect(c).toEqual([
      {
        id: s.id,
        town: '441802006000',
        transitions: [
          { at: new Date(NOW - 10 * H).toISOString(), from: 'ok', to: 'critical' },
          { at: new Date(NOW - 2 * H).toISOString(), from: 'critical', to: 'ok' },
        ],
      },
    ])
  })

  it('parses durations', () => {
    expect(parseDuration('24h')).toBe(24 * H)
    expect(parseDuration('7d')).toBe(7 * 24 * H)
    expect(parseDuration('90s')).toBe(90_000)
    expect(parseDuration('1 w')).toBe(7 * 24 * H)
    expect(parseDuration('24')).toBeUndefined()
    expect(parseDuration('-1h')).toBeUndefined()
  })
})
