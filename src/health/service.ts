import type { Inventory, Station } from '../inventory/model.js'
import { changesSince } from './changes.js'
import { evaluateProbe } from './evaluate.js'
import { appendHistory, readHistory, stationRecords, toRecords, type StationRecord } from './history.js'
import { emptyIndex, readAnswerIndex, updateAnswers, writeAnswerIndex } from './last-seen.js'
import { totalsOf, type HealthResult } from './result.js'
import { resolveScope, type Identity } from './scope.js'
import { applyStaleness } from './staleness.js'
import { withDefaults, type Thresholds } from './thresholds.js'
import { applyTopology } from './topology.js'
import type { StationProbe } from './types.js'

/** How far before a --since window to look for each station's starting state. */
const BASELINE_LOOKBACK_MS = 6 * 3600 * 1000

export interface HealthOptions {
  inventory: Inventory
  /** who the SSH key says the operator is (resolveIdentity; tests inject) */
  identity: Identity
  towns?: string[]
  stations?: string[]
  as?: string
  lab?: boolean
  /** probes the stations in scope (live: SSH; tests: canned) */
  probe: (stations: Station[]) => Promise<StationProbe[]>
  /** LASTMILE_HOME: history lives in <home>/health */
  home: string
  now?: () => number
  /** with --since: report state changes in this many ms before now */
  sinceMs?: number
  thresholds?: Partial<Thresholds>
  expectedAgentVersion?: string
  timeZone?: string
  /** default true; false for a dry look that leaves no trace */
  record?: boolean
}

/**
 * `lastmile health`: scope (refuses other towns), probe, evaluate, mark stale
 * stations, fold town-wide outages into town alerts, record the run, and (with
 * --since) list the state changes. Returns plain data for the formatters.
 */
export async function runHealth(opts: HealthOptions): Promise<HealthResult> {
  const now = opts.now ?? Date.now
  const t = withDefaults(opts.thresholds)
  const scope = resolveScope({ inventory: opts.inventory, identity: opts.identity, ...(opts.towns ? { towns: opts.towns } : {}), ...(opts.stations ? { stations: opts.stations } : {}), ...(opts.as ? { as: opts.as } : {}) })

  const probes = scope.stations.length > 0 ? await opts.probe(scope.stations) : []
  const at = now()
  const byId = new Map(probes.map((p) => [p.stationId, p]))
  let stations = scope.stations.map((s) =>
    evaluateProbe(s, byId.get(s.id) ?? { stationId: s.id, at, error: { kind: 'internal', message: 'not probed' } }, {
      now: byId.get(s.id)?.at ?? at,
      thresholds: t,
      ...(opts.expectedAgentVersion ? { expectedAgentVersion: opts.expectedAgentVersion } : {}),
      ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
    }),
  )

  const before = (await readAnswerIndex(opts.home)) ?? emptyIndex()
  stations = applyStaleness(stations, before, at, t.staleAfterMs, opts.timeZone)
  const after = updateAnswers(before, stations, at)
  const topo = applyTopology({ stations, towns: scope.towns, downSince: after.downSince, now: at, thresholds: t, ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) })
  stations = topo.stations

  let historyFile: string | undefined
  if (opts.record !== false && stations.length > 0) {
    historyFile = await appendHistory(opts.home, at, stations, topo.townAlerts)
    await writeAnswerIndex(opts.home, after)
  }

  let changes: HealthResult['changes']
  let since: string | undefined
  if (opts.sinceMs !== undefined) {
    const from = at - opts.sinceMs
    const inScope = new Set(stations.map((s) => s.id))
    let records: StationRecord[] = stationRecords(await readHistory(opts.home, { from: from - BASELINE_LOOKBACK_MS, to: at }))
    if (opts.record === false) records = [...records, ...stationRecords(toRecords(at, stations, topo.townAlerts))]
    changes = changesSince(records.filter((r) => inScope.has(r.station)), from)
    since = new Date(from).toISOString()
  }

  return {
    generatedAt: new Date(at).toISOString(),
    district: { code: opts.inventory.district.code, name: opts.inventory.district.name },
    ...(scope.operator ? { operator: scope.operator } : {}),
    scope: scope.allowed,
    lab: opts.lab ?? false,
    towns: scope.towns.map((tw) => ({ code: tw.code, slug: tw.slug, name: tw.name })),
    totals: totalsOf(stations),
    ...(topo.districtAlert ? { districtAlert: topo.districtAlert } : {}),
    townAlerts: topo.townAlerts,
    stations,
    ...(since ? { since, changes } : {}),
    ...(historyFile ? { historyFile } : {}),
  }
}
