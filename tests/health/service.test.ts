import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import stringWidth from 'string-width'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/cli/errors.js'
import { formatHealthTable } from '../../src/health/format-table.js'
import { needsAttention } from '../../src/health/result.js'
import { runHealth, type HealthOptions } from '../../src/health/service.js'
import type { AgentHealth, StationProbe } from '../../src/health/types.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import { registerSecretValue } from '../../src/secrets/redact.js'
import { NOW, healthyAgent, loadQingcheng } from './helpers.js'

let qc: Inventory
let home: string
beforeAll(async () => {
  qc = await loadQingcheng()
})
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'lastmile-health-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const H = 3_600_000
const district = { operator: 'district-admin-1', towns: 'all' as const }

/** A canned prober: every station healthy unless `faults` says otherwise. */
function canned(faults: Record<string, (h: AgentHealth) => AgentHealth | 'down'> = {}, at = NOW): HealthOptions['probe'] {
  return async (stations: Station[]) =>
    stations.map((s): StationProbe => {
      const f = faults[s.id] ?? faults[s.town.slug]
      const h = healthyAgent(s, at)
      const r = f ? f(h) : h
      if (r === 'down') return { stationId: s.id, at, error: { kind: 'unreachable', message: 'connection timed out (ETIMEDOUT)' } }
      return { stationId: s.id, at, health: r, handshakeMs: 200, rttMs: 80 }
    })
}

function opts(extra: Partial<HealthOptions> = {}): HealthOptions {
  return { inventory: qc, identity: district, probe: canned(), home, now: () => NOW, expectedAgentVersion: '1.0.0', timeZone: 'Asia/Shanghai', ...extra }
}

describe('runHealth', () => {
  it('all healthy: every station ok, nothing needs attention', async () => {
    const r = await runHealth(opts())
    expect(r.totals.stations).toBe(qc.stations.filter((s) => s.hasStation).length)
    expect(r.totals.ok).toBe(r.totals.stations)
    expect(needsAttention(r)).toBe(false)
    expect(r.townAlerts).toEqual([])
    // the JSON contract: id, state, checks on every station, townAlerts on top
    const json = JSON.parse(JSON.stringify(r)) as { stations: Array<Record<string, unknown>>; townAlerts: unknown[] }
    expect(Array.isArray(json.townAlerts)).toBe(true)
    for (const s of json.stations) expect(Object.keys(s)).toEqual(expect.arrayContaining(['id', 'state', 'checks']))
  })

  it('a whole town down: one town alert; a device unplugged elsewhere: a warning; exit needs attention', async () => {
    const yuantanCamera = qc.stations.find((s) => s.town.slug === 'yuantan' && s.hasStation && s.devices.some((d) => d.type === 'document-camera' && d.usb))
    expect(yuantanCamera).toBeDefined()
    const cam = yuantanCamera!.devices.find((d) => d.type === 'document-camera')!.usb!
    const r = await runHealth(
      opts({
        probe: canned({
          fengcheng: () => 'down',
          [yuantanCamera!.id]: (h) => ({ ...h, usb: h.usb.filter((u) => `${u.vendor}:${u.product}` !== cam) }),
        }),
      }),
    )
    expect(r.townAlerts.map((a) => a.town.slug)).toEqual(['fengcheng'])
    const fengcheng = r.stations.filter((s) => s.town.slug === 'fengcheng')
    expect(fengcheng.every((s) => s.state === 'unknown' && s.behindTownAlert)).toBe(true)
    expect(r.townAlerts[0]!.reason.en).toMatch(new RegExp(`^town uplink down: ${fengcheng.length}/${fengcheng.length} stations unreachable since 2026-11-29 10:00`))
    const cameraStation = r.stations.find((s) => s.id === yuantanCamera!.id)!
    expect(cameraStation.state).toBe('warning')
    expect(needsAttention(r)).toBe(true)

    const table = formatHealthTable(r, { lang: 'zh', timeZone: 'Asia/Shanghai' })
    const lines = table.split('\n')
    // town alerts on top, before any town section
    expect(lines.findIndex((l) => l.includes('镇级告警'))).toBeLessThan(lines.findIndex((l) => l.startsWith('凤城街道 (fengcheng)')))
    // worst town first: the alerted town, then the one with a warning
    const townHeads = lines.filter((l) => / \([a-z]+\) — /.test(l))
    expect(townHeads[0]).toContain('fengcheng')
    expect(townHeads[1]).toContain('yuantan')
    expect(table).toContain('高拍仪')
    expect(table).toContain('在镇级上行线路之后（见镇级告警）')
    // columns line up by display width (Chinese names are two cells wide)
    const section = lines.slice(lines.findIndex((l) => l.startsWith('源潭镇')))
    const header = section[1]!
    const rule = section[2]!
    const detailsCol = stringWidth(header.slice(0, header.indexOf('情况')))
    for (const row of section.slice(3, 8)) {
      if (!row.trim() || / — /.test(row)) break
      const cells = row.split(/ {2,}/)
      const last = cells.at(-1)!
      expect(stringWidth(row.slice(0, row.lastIndexOf(last))), row).toBe(detailsCol)
    }
    expect(rule).toMatch(/^─+/)
    const en = formatHealthTable(r, { lang: 'en', timeZone: 'Asia/Shanghai' })
    expect(en).toContain('document camera (高拍仪)')
    expect(en).toContain("behind the town's uplink (see town alert)")
  })

  it('a town operator gets only their town; another town is refused (exit 3)', async () => {
    const me = { operator: 'fengcheng-admin-1', towns: ['441802006000'] }
    const r = await runHealth(opts({ identity: me }))
    expect(new Set(r.stations.map((s) => s.town.slug))).toEqual(new Set(['fengcheng']))
    expect(r.operator).toBe('fengcheng-admin-1')
    await expect(runHealth(opts({ identity: me, towns: ['源潭镇'] }))).rejects.toThrow(InvalidInputError)
    await expect(runHealth(opts({ identity: me, towns: ['源潭镇'] }))).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('fengcheng-admin-1') })
  })

  it('records history; --since shows transitions; a long silence becomes stale', async () => {
    const target = qc.stations.find((s) => s.town.slug === 'henghe' && s.hasStation)!
    const only = { stations: [target.id] }
    await runHealth(opts({ ...only, now: () => NOW - 30 * H, probe: canned({}, NOW - 30 * H) }))
    await runHealth(opts({ ...only, now: () => NOW - 5 * H, probe: canned({ [target.id]: () => 'down' }, NOW - 5 * H) }))
    const r = await runHealth(opts({ ...only, sinceMs: 24 * H, probe: canned({ [target.id]: () => 'down' }) }))
    const s = r.stations[0]!
    expect(s.stale).toBe(true)
    expect(s.checks.find((c) => c.id === 'stale')?.reason.en).toBe('no data for 30 h (last answer 2026-11-28 04:00) — stale, not ok')
    expect(r.changes).toEqual([{ id: target.id, town: target.town.code, transitions: [{ at: new Date(NOW - 5 * H).toISOString(), from: 'ok', to: 'critical' }] }])
    const file = await readFile(r.historyFile!, 'utf8')
    expect(path.basename(r.historyFile!)).toBe('2026-11-29.jsonl') // UTC date of the run
    expect(file.trim().split('\n')).toHaveLength(1) // the earlier runs are in 2026-11-27/28.jsonl
    const table = formatHealthTable(r, { lang: 'en', timeZone: 'Asia/Shanghai' })
    expect(table).toContain('changes since 2026-11-28 10:00')
    expect(table).toContain('11-29 05:00 ok→critical')
  })

  it('no secret value reaches the result, the table, the JSON or the history', async () => {
    const secret = 'psk-VerySecret-42x'
    registerSecretValue(secret)
    const target = qc.stations.find((s) => s.hasStation)!
    const r = await runHealth(opts({ stations: [target.id], probe: async () => [{ stationId: target.id, at: NOW, error: { kind: 'auth', message: `key ${secret} refused` } }] }))
    const { redactSecrets } = await import('../../src/secrets/redact.js')
    const { formatPrometheus } = await import('../../src/health/format-prometheus.js')
    expect(JSON.stringify(redactSecrets(r))).not.toContain(secret)
    const { scrubText } = await import('../../src/secrets/redact.js')
    expect(scrubText(formatHealthTable(r, { lang: 'en' }))).not.toContain(secret)
    expect(formatPrometheus(r)).not.toContain(secret)
    expect(await readFile(r.historyFile!, 'utf8')).not.toContain(secret)
  })
})
