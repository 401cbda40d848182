import type { DesiredConfig, StationConnector } from './ports.js'
import { schedule } from './scheduler.js'
import { probeStation, type ProbeOnlyResult } from './station-run.js'
import type { PlanStation, StationOutcome, Wave } from './types.js'

/**
 * The preflight: before any wave, one read-only look at every selected station,
 * all at once. A look is one SSH handshake and one `probe` exec, a few kilobytes:
 * it does not load a town's uplink the way an apply does, so the per-town limit is
 * for applies only. The connections open while the configs are still rendering.
 *
 * Stations already on their desired config are settled `unchanged` there and then;
 * only the rest are planned into waves. So a no-change rerun costs one round of
 * handshakes instead of one per wave, and a wave's canaries are stations that
 * actually take the change.
 */
export interface PreflightOptions {
  items: ReadonlyArray<{ id: string; town: string }>
  connector: StationConnector
  /** The desired configs; may still be rendering. */
  desired: PromiseLike<ReadonlyMap<string, DesiredConfig>>
  /** Looks at once, district-wide (default: all of them). */
  concurrency: number
  now: () => number
  /** Ctrl-C: start no more looks (the stations not looked at go into the waves). */
  stop: AbortSignal
}

export async function preflight(opts: PreflightOptions): Promise<Map<string, ProbeOnlyResult>> {
  const limit = Math.max(1, opts.concurrency)
  const r = await schedule(opts.items, {
    limits: { maxConcurrent: limit, perTownConcurrent: limit },
    mayStart: () => !opts.stop.aborted,
    run: (item) =>
      probeStation(
        item.id,
        Promise.resolve(opts.desired).then((d) => d.get(item.id)),
        opts.connector,
        opts.now,
        opts.stop,
        'preflight',
      ),
  })
  return r.results
}

/** Pure: the stations the preflight found up to date, as settled outcomes. */
export function upToDateOutcomes(results: ReadonlyMap<string, ProbeOnlyResult>, desired: ReadonlyMap<string, DesiredConfig>): Map<string, StationOutcome> {
  const out = new Map<string, StationOutcome>()
  for (const [id, p] of results) {
    const d = desired.get(id)
    if (!p.upToDate || !d || p.error) continue
    out.set(id, { id, state: 'unchanged', configId: d.configId, changed: [], ms: p.ms, timings: p.timings ?? {}, attempts: 1 })
  }
  return out
}

/**
 * Pure: the waves of a run after its preflight. The up-to-date stations form a
 * first, already settled wave (`up-to-date`, so a resume finds them in the plan);
 * `planRest` plans the others (canaries among the stations that change).
 */
export function wavesAfterPreflight(stations: readonly PlanStation[], upToDate: ReadonlySet<string>, planRest: (rest: PlanStation[]) => Wave[]): Wave[] {
  const rest = stations.filter((s) => !upToDate.has(s.id))
  const settled = stations.filter((s) => upToDate.has(s.id)).map((s) => s.id)
  const first: Wave[] = settled.length > 0 ? [{ index: 0, name: 'up-to-date', kind: 'preflight', stations: settled }] : []
  const planned = planRest(rest)
  return [...first, ...planned].map((w, index) => ({ ...w, index }))
}
