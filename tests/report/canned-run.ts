import type { Inventory } from '../../src/inventory/model.js'
import type { JournalEvent, JournalEventBody } from '../../src/rollout/journal.js'
import { emptyCounts, type StateCounts, type Wave } from '../../src/rollout/types.js'

export const RUN_ID = '20261129T020000000Z-a1b2c3'
export const T0 = Date.parse('2026-11-29T02:00:00Z')

export interface CannedRunOptions {
  /** station id → how it ends (default confirmed) */
  outcomes?: Record<string, { type: 'failed'; errorClass: string; message: string } | { type: 'rolled-back'; reason: string } | { type: 'unreachable'; errorClass: string; message: string } | { type: 'unchanged' }>
  /** only these towns (slugs); default all */
  towns?: string[]
  /** stop after this many waves (an aborted run) */
  abortAfterWave?: number
}

/**
 * A rollout journal as the executor writes it: a canary wave (the canary
 * station of each town), then one wave per town, each station started,
 * probed, applied and confirmed (or failed / rolled back / unreachable).
 */
export function cannedRun(inv: Inventory, opts: CannedRunOptions = {}): JournalEvent[] {
  const towns = inv.towns.filter((t) => !opts.towns || opts.towns.includes(t.slug))
  const active = towns.flatMap((t) => t.stations.filter((s) => s.hasStation))
  const canary = towns.map((t) => t.stations.find((s) => s.hasStation && s.canary) ?? t.stations.find((s) => s.hasStation)).filter((s) => s !== undefined)
  const canaryIds = new Set(canary.map((s) => s.id))
  const waves: Wave[] = [{ index: 0, name: 'canary', kind: 'canary', stations: canary.map((s) => s.id) }]
  for (const t of towns) {
    const rest = t.stations.filter((s) => s.hasStation && !canaryIds.has(s.id)).map((s) => s.id)
    if (rest.length > 0) waves.push({ index: waves.length, name: t.slug, kind: 'town', stations: rest })
  }
  let t = T0
  const events: JournalEvent[] = []
  const push = (body: JournalEventBody, dt = 1000): void => {
    t += dt
    events.push({ ts: new Date(t).toISOString(), ...body } as JournalEvent)
  }
  push({
    type: 'run-started',
    command: 'rollout',
    lab: false,
    inventory: inv.dir,
    inventoryHash: 'sha256:0000',
    waves,
    stations: active.map((s) => ({ id: s.id, name: s.name, town: s.town.slug, configId: 'cfg-2' })),
    thresholds: null,
    confirmWithinS: 120,
    limits: { maxConcurrent: 20, perTownConcurrent: 4 },
    pid: 1234,
    host: 'controller',
  }, 0)
  const totals: StateCounts = emptyCounts()
  const timings = { connect: 300, probe: 200, apply: 4000, confirm: 800 }
  for (const w of waves) {
    if (opts.abortAfterWave !== undefined && w.index > opts.abortAfterWave) {
      push({ type: 'aborted', wave: w.index - 1, reason: 'failures in the canary wave exceeded the threshold', rule: 'canary: any failure' })
      break
    }
    push({ type: 'wave-started', wave: w.index, name: w.name, stations: w.stations }, 5000)
    const counts = emptyCounts()
    for (const id of w.stations) {
      const out = opts.outcomes?.[id]
      push({ type: 'station-started', wave: w.index, station: id, attempt: 1 }, 2000)
      if (out?.type === 'unreachable') {
        push({ type: 'unreachable', wave: w.index, station: id, errorClass: out.errorClass, message: out.message, attempt: 3, final: true, ms: 20_000 }, 20_000)
        counts.unreachable++
        continue
      }
      push({ type: 'probed', wave: w.index, station: id, appliedId: 'cfg-1', pendingId: null, changed: ['/etc/config/network'], ms: 200 }, 3000)
      if (out?.type === 'unchanged') {
        push({ type: 'unchanged', wave: w.index, station: id, configId: 'cfg-2', ms: 500, timings }, 500)
        counts.unchanged++
        continue
      }
      push({ type: 'applied', wave: w.index, station: id, configId: 'cfg-2', changed: ['/etc/config/network'], deadline: Math.floor(t / 1000) + 120, ms: 4000 }, 4000)
      if (out?.type === 'failed') {
        push({ type: 'failed', wave: w.index, station: id, configId: 'cfg-2', errorClass: out.errorClass, message: out.message, ms: 9000, timings }, 5000)
        counts.failed++
      } else if (out?.type === 'rolled-back') {
        push({ type: 'rolled-back', wave: w.index, station: id, configId: 'cfg-2', reason: out.reason, ms: 130_000, timings }, 120_000)
        counts.rolledBack++
      } else {
        push({ type: 'confirmed', wave: w.index, station: id, configId: 'cfg-2', ms: 9000, timings }, 2000)
        counts.confirmed++
      }
    }
    push({ type: 'wave-finished', wave: w.index, name: w.name, counts, ms: 0 }, 1000)
    const fin = events.at(-1) as Extract<JournalEvent, { type: 'wave-finished' }>
    const start = events.find((e) => e.type === 'wave-started' && e.wave === w.index) as JournalEvent
    fin.ms = Date.parse(fin.ts) - Date.parse(start.ts)
    for (const k of Object.keys(counts) as Array<keyof StateCounts>) totals[k] += counts[k]
  }
  const failed = totals.failed + totals.rolledBack + totals.unreachable > 0
  const aborted = events.some((e) => e.type === 'aborted')
  push({ type: 'run-finished', status: aborted ? 'aborted' : failed ? 'partial' : 'ok', totals, ms: t - T0 }, 1000)
  return events
}
