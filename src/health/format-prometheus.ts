import { stateCode } from './types.js'
import type { HealthResult } from './result.js'

/*
 * Prometheus text exposition format 0.0.4, for node_exporter's textfile
 * collector (docs/health.md). No timestamps on samples: the textfile collector
 * rejects them. Each metric family is one group: HELP, TYPE, then its samples.
 */

/** Label values: backslash, double quote and line feed are escaped; everything else (UTF-8) is literal. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text: backslash and line feed are escaped. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

type Labels = Record<string, string>

class Family {
  readonly samples: Array<{ labels: Labels; value: number }> = []
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(labels: Labels, value: number | undefined): void {
    if (value !== undefined) this.samples.push({ labels, value })
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`]
    for (const s of this.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
        .join(',')
      lines.push(`${this.name}${labels ? `{${labels}}` : ''} ${formatNumber(s.value)}`)
    }
    return lines.join('\n')
  }
}

export function formatPrometheus(r: HealthResult): string {
  const generated = new Family('lastmile_health_generated_timestamp_seconds', 'When lastmile health produced this file (Unix time). Alert when it gets old: the cron job stopped.')
  const up = new Family('lastmile_station_up', '1 if the station agent answered in this run, 0 if not.')
  const state = new Family('lastmile_station_state', 'Overall station state: 0 ok, 1 warning, 2 critical, 3 unknown (worst check).')
  const check = new Family('lastmile_station_check_state', 'State of one health check: 0 ok, 1 warning, 2 critical, 3 unknown.')
  const handshake = new Family('lastmile_station_ssh_handshake_seconds', 'Duration of the SSH handshake to the station.')
  const rtt = new Family('lastmile_station_rtt_seconds', 'Round trip of one exec of lastmile-station health over the open SSH session.')
  const disk = new Family('lastmile_station_disk_free_ratio', 'Free fraction of the station storage (0..1).')
  const uptime = new Family('lastmile_station_uptime_seconds', 'Station gateway uptime as the agent reported it.')
  const lastAnswer = new Family('lastmile_station_last_answer_timestamp_seconds', 'Unix time of the last answer from the station (this run or the health history).')
  const town = new Family('lastmile_town_uplink_down', '1 if most of the town stations are unreachable at once (one town alert instead of many), else 0.')
  const district = new Family('lastmile_district_uplink_down', '1 if every station in two or more towns is unreachable (check the controller network and district uplink), else 0.')

  generated.add({}, Date.parse(r.generatedAt) / 1000)
  for (const s of r.stations) {
    const l: Labels = { station_id: s.id, town: s.town.slug, name: s.name }
    up.add(l, s.answered ? 1 : 0)
    state.add(l, stateCode[s.state])
    for (const c of s.checks) check.add({ ...l, check: c.id }, stateCode[c.state])
    handshake.add(l, s.handshakeMs === undefined ? undefined : s.handshakeMs / 1000)
    rtt.add(l, s.rttMs === undefined ? undefined : s.rttMs / 1000)
    const d = s.checks.find((c) => c.id === 'disk')?.value
    disk.add(l, typeof d === 'number' ? d : undefined)
    const u = s.checks.find((c) => c.id === 'uptime')?.value
    uptime.add(l, typeof u === 'number' ? u : undefined)
    lastAnswer.add(l, s.lastAnswerAt ? Date.parse(s.lastAnswerAt) / 1000 : undefined)
  }
  const alerted = new Set(r.townAlerts.map((a) => a.town.code))
  for (const t of r.towns) town.add({ town: t.slug, town_code: t.code, name: t.name }, alerted.has(t.code) ? 1 : 0)
  district.add({}, r.districtAlert ? 1 : 0)

  return [generated, up, state, check, handshake, rtt, disk, uptime, lastAnswer, town, district].map((f) => f.render()).join('\n') + '\n'
}
