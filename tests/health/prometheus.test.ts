import { beforeAll, describe, expect, it } from 'vitest'
import { evaluate } from '../../src/health/evaluate.js'
import { escapeLabelValue, formatPrometheus } from '../../src/health/format-prometheus.js'
import { totalsOf, type HealthResult } from '../../src/health/result.js'
import { applyTopology } from '../../src/health/topology.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import { NOW, cloneStations, healthyAgent, loadMini, station } from './helpers.js'
import { ExpositionError, parseExposition, type Family } from './prom-grammar.js'

let inv: Inventory
let gaojili: Station
let jiangkou: Station
beforeAll(async () => {
  inv = await loadMini()
  gaojili = station(inv, '441802006001')
  jiangkou = station(inv, '441802104201')
})

function result(stations: ReturnType<typeof evaluate>[], townAlerts: HealthResult['townAlerts'] = []): HealthResult {
  return {
    generatedAt: new Date(NOW).toISOString(),
    district: { code: '441802000000', name: '清城区' },
    scope: 'all',
    lab: false,
    towns: inv.towns.map((t) => ({ code: t.code, slug: t.slug, name: t.name })),
    totals: totalsOf(stations),
    townAlerts,
    stations,
  }
}

/** An npm parser, when one is installed (none is yet: see the report); else the strict grammar. */
async function npmParser(): Promise<((text: string) => unknown[]) | undefined> {
  const name = 'parse-prometheus-text-format'
  try {
    const mod = (await import(/* @vite-ignore */ name)) as { default: (text: string) => unknown[] }
    return mod.default
  } catch {
    return undefined
  }
}

function family(fams: Family[], name: string): Family {
  const f = fams.find((x) => x.name === name)
  if (!f) throw new Error(`no family ${name}`)
  return f
}

describe('Prometheus text format', () => {
  it('parses strictly, with HELP and TYPE for every family and the documented values', async () => {
    const disk = healthyAgent(gaojili)
    disk.disk = { totalKb: 100_000, availableKb: 3_000 }
    const stations = [evaluate({ station: gaojili, health: disk, handshakeMs: 250, rttMs: 120, now: NOW }), evaluate({ station: jiangkou, error: { kind: 'unreachable', message: 'timed out' }, now: NOW })]
    const text = formatPrometheus(result(stations))
    const fams = parseExposition(text)
    for (const f of fams) {
      expect(f.help, f.name).toBeTruthy()
      expect(f.type, f.name).toBe('gauge')
      expect(f.name).toMatch(/^lastmile_/)
    }
    const up = family(fams, 'lastmile_station_up').samples
    expect(up).toContainEqual({ name: 'lastmile_station_up', labels: { station_id: '441802006001', town: 'fengcheng', name: '高基里社区居委会' }, value: 1 })
    expect(up).toContainEqual({ name: 'lastmile_station_up', labels: { station_id: '441802104201', town: 'feilaixia', name: '江口村委会' }, value: 0 })
    const checks = family(fams, 'lastmile_station_check_state').samples
    expect(checks.find((s) => s.labels.station_id === '441802006001' && s.labels.check === 'disk')?.value).toBe(2)
    expect(checks.find((s) => s.labels.station_id === '441802006001' && s.labels.check === 'usb')?.value).toBe(0)
    expect(checks.find((s) => s.labels.station_id === '441802104201' && s.labels.check === 'reachable')?.value).toBe(2)
    expect(family(fams, 'lastmile_station_state').samples.map((s) => s.value)).toEqual([2, 2])
    expect(family(fams, 'lastmile_station_ssh_handshake_seconds').samples[0]?.value).toBe(0.25)
    expect(family(fams, 'lastmile_station_rtt_seconds').samples[0]?.value).toBe(0.12)
    expect(family(fams, 'lastmile_station_disk_free_ratio').samples).toEqual([{ name: 'lastmile_station_disk_free_ratio', labels: { station_id: '441802006001', town: 'fengcheng', name: '高基里社区居委会' }, value: 0.03 }])
    expect(family(fams, 'lastmile_town_uplink_down').samples.map((s) => [s.labels.town, s.value])).toEqual([
      ['feilaixia', 0],
      ['fengcheng', 0],
    ])
    expect(family(fams, 'lastmile_health_generated_timestamp_seconds').samples[0]?.value).toBe(NOW / 1000)
    // the textfile collector refuses timestamps on samples
    expect(fams.flatMap((f) => f.samples).every((s) => s.timestamp === undefined)).toBe(true)
    expect(text).toContain('# HELP lastmile_station_check_state State of one health check: 0 ok, 1 warning, 2 critical, 3 unknown.')

    const npm = await npmParser()
    if (npm) expect(npm(text).length).toBe(fams.length)
  })

  it('sets lastmile_town_uplink_down for a town alert', () => {
    const town = cloneStations(gaojili, 5)
    const topo = applyTopology({ stations: town.map((s) => evaluate({ station: s, error: { kind: 'unreachable', message: 'x' }, now: NOW })), now: NOW })
    const fams = parseExposition(formatPrometheus(result(topo.stations, topo.townAlerts)))
    expect(family(fams, 'lastmile_town_uplink_down').samples.find((s) => s.labels.town === 'fengcheng')?.value).toBe(1)
    expect(family(fams, 'lastmile_station_state').samples.every((s) => s.value === 3)).toBe(true)
  })

  it('escapes label values per the spec: \\\\, \\", \\n; UTF-8 stays literal', () => {
    expect(escapeLabelValue('a\\b"c\nd 凤城')).toBe('a\\\\b\\"c\\nd 凤城')
    const hostile = { ...gaojili, name: '高基里"} 1\nlastmile_station_up{x="y\\' }
    const text = formatPrometheus(result([evaluate({ station: hostile, health: healthyAgent(gaojili), now: NOW })]))
    const up = family(parseExposition(text), 'lastmile_station_up').samples
    expect(up).toHaveLength(1)
    expect(up[0]?.labels.name).toBe(hostile.name)
    expect(text.split('\n').filter((l) => l.startsWith('lastmile_station_up{')).length).toBe(1)
  })

  it('the grammar check itself rejects what the spec does not allow', () => {
    const bad = [
      'x 1', // no final newline
      'x{a="b} 1\n',
      'x{a="\\t"} 1\n',
      'x{a="b"} one\n',
      '1x 1\n',
      'x 1\ny 1\nx 2\n',
      'x{a="b"} 1\nx{a="b"} 2\n',
      '# TYPE x gauge\n# TYPE x gauge\nx 1\n',
      'x 1\n# TYPE x gauge\n',
      'x{__a="b"} 1\n',
    ]
    for (const b of bad) expect(() => parseExposition(b), JSON.stringify(b)).toThrow(ExpositionError)
    expect(parseExposition('# a comment\nx{a="b",} +Inf\ny NaN 1700000000000\n')).toHaveLength(2)
  })
})
