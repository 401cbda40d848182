import { clockTime } from '../i18n/format.js'
import type { Town } from '../inventory/model.js'
import { restate } from './evaluate.js'
import { withDefaults, type Thresholds } from './thresholds.js'
import type { Check, DistrictAlert, StationHealth, TownAlert } from './types.js'

export interface TopologyInput {
  stations: StationHealth[]
  /** inventory towns, for the uplink carrier in the alert text */
  towns?: Array<Pick<Town, 'code' | 'uplink'>>
  /** epoch ms at which each station's current run of failed probes began (history); default: now */
  downSince?: ReadonlyMap<string, number>
  now: number
  thresholds?: Partial<Pick<Thresholds, 'townDownRatio' | 'townDownMin'>>
  timeZone?: string
}

export interface TopologyResult {
  stations: StationHealth[]
  townAlerts: TownAlert[]
  districtAlert?: DistrictAlert
}

/** Failures that say "no path to the station"; auth or host-key errors mean the path works. */
const PATH_FAILURES = new Set(['unreachable', 'timeout'])

export function isCutOff(s: StationHealth): boolean {
  if (s.answered) return false
  const reachable = s.checks.find((c) => c.id === 'reachable')
  return typeof reachable?.value === 'string' && PATH_FAILURES.has(reachable.value)
}

/**
 * Zabbix-style dependencies: stations hang off their town's uplink, towns off
 * the district's. When most of a town is cut off at once, that is ONE problem
 * (the town uplink), reported once; its stations become `unknown` "behind the
 * town's uplink" instead of a wall of criticals. Pure.
 */
export function applyTopology(input: TopologyInput): TopologyResult {
  const t = withDefaults(input.thresholds)
  const byTown = new Map<string, StationHealth[]>()
  for (const s of input.stations) {
    const list = byTown.get(s.town.code) ?? []
    list.push(s)
    byTown.set(s.town.code, list)
  }
  const since = (ids: string[], needed: number): number => {
    const starts = ids.map((id) => input.downSince?.get(id) ?? input.now).sort((a, b) => a - b)
    return starts[Math.min(needed, starts.length) - 1] ?? input.now
  }
  const needed = (total: number): number => Math.max(t.townDownMin, Math.ceil(t.townDownRatio * total))

  const totalCut = input.stations.filter(isCutOff)
  if (byTown.size >= 2 && input.stations.length >= t.townDownMin && totalCut.length === input.stations.length) {
    const at = since(totalCut.map((s) => s.id), totalCut.length)
    const when = clockTime(at, input.timeZone)
    const alert: DistrictAlert = {
      state: 'critical',
      unreachable: totalCut.length,
      total: input.stations.length,
      since: new Date(at).toISOString(),
      reason: {
        zh: `所有 ${byTown.size} 个镇街的 ${totalCut.length} 个站点都无法连接（自 ${when} 起）：先检查本机网络、VPN 和区中心的出口线路`,
        en: `all ${totalCut.length} stations in ${byTown.size} towns are unreachable (since ${when}): check this machine's network, the VPN and the district uplink first`,
      },
    }
    const behind: Check['reason'] = { zh: '在区中心出口之后（见区级告警）', en: "behind the district's uplink (see district alert)" }
    return { stations: input.stations.map((s) => fold(s, behind, undefined)), townAlerts: [], districtAlert: alert }
  }

  const townAlerts: TownAlert[] = []
  const folded = new Map<string, string>()
  for (const [code, list] of byTown) {
    const cut = list.filter(isCutOff)
    const need = needed(list.length)
    if (cut.length < need) continue
    const first = list[0] as StationHealth
    const at = since(cut.map((s) => s.id), need)
    const when = clockTime(at, input.timeZone)
    const carrier = input.towns?.find((tw) => tw.code === code)?.uplink.carrier
    townAlerts.push({
      town: first.town,
      state: 'critical',
      unreachable: cut.length,
      total: list.length,
      since: new Date(at).toISOString(),
      stations: cut.map((s) => s.id),
      reason: {
        zh: `${first.town.name}镇级上行线路中断：${cut.length}/${list.length} 个站点无法连接（自 ${when} 起）：请联系${carrier ?? '运营商'}检查镇里的上行线路`,
        en: `town uplink down: ${cut.length}/${list.length} stations unreachable since ${when}: call ${carrier ?? 'the carrier'} about ${first.town.slug}'s uplink`,
      },
    })
    for (const s of cut) folded.set(s.id, code)
  }
  const behind: Check['reason'] = { zh: '在镇级上行线路之后（见镇级告警）', en: "behind the town's uplink (see town alert)" }
  return {
    stations: input.stations.map((s) => (folded.has(s.id) ? fold(s, behind, folded.get(s.id)) : s)),
    townAlerts,
  }
}

/** A cut-off station under an alert: its failures are the alert's, so they become `unknown`. */
function fold(s: StationHealth, reason: Check['reason'], townCode: string | undefined): StationHealth {
  const checks = s.checks.map((c): Check => {
    if (c.id === 'reachable') return { ...c, state: 'unknown', reason }
    if (c.state === 'critical') return { ...c, state: 'unknown' }
    return c
  })
  return restate({ ...s, checks, ...(townCode ? { behindTownAlert: townCode } : {}) })
}
