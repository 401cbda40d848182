import type { PlanStation, Wave } from './types.js'

export interface PlanOptions {
  /**
   * `town` (default): wave 0 = canaries, then one wave per town (split into
   * chunks of `waveSize` stations when given). `{percent}`: wave 0 = canaries,
   * then batches of `percent`% of the stations (rounded up).
   */
  strategy?: 'town' | { percent: number }
  /** Cap on a town wave's size (town strategy only). */
  waveSize?: number
  /** false: no canary wave (push). Default true. */
  canaries?: boolean
}

/** Towns in NBS-code order, stations in id order: the plan never depends on file order or a hash seed. */
function byTown(stations: readonly PlanStation[]): Map<string, PlanStation[]> {
  const sorted = [...stations].sort((a, b) => (a.town.code === b.town.code ? cmp(a.id, b.id) : cmp(a.town.code, b.town.code)))
  const towns = new Map<string, PlanStation[]>()
  for (const s of sorted) {
    const list = towns.get(s.town.code) ?? []
    list.push(s)
    towns.set(s.town.code, list)
  }
  return towns
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Canaries: in each town, the stations the inventory marks `canary: true`, or,
 * when it marks none in that town, the town's first station by id. So every
 * town's uplink, carrier and template variant is exercised before the rest.
 */
export function pickCanaries(stations: readonly PlanStation[]): PlanStation[] {
  const out: PlanStation[] = []
  for (const list of byTown(stations).values()) {
    const named = list.filter((s) => s.canary)
    if (named.length > 0) out.push(...named)
    else if (list[0]) out.push(list[0])
  }
  return out
}

/** Splits a plan into waves; every station appears in exactly one wave; deterministic. */
export function planWaves(stations: readonly PlanStation[], opts: PlanOptions = {}): Wave[] {
  const strategy = opts.strategy ?? 'town'
  if (stations.length === 0) return []
  const waves: Omit<Wave, 'index'>[] = []
  const useCanaries = opts.canaries !== false
  const canaries = useCanaries ? pickCanaries(stations) : []
  const canaryIds = new Set(canaries.map((s) => s.id))
  // A canary wave that would be the whole plan is no canary: run it as the only wave.
  if (canaries.length > 0 && canaries.length < stations.length) {
    waves.push({ name: 'canary', kind: 'canary', stations: canaries.map((s) => s.id) })
  } else canaryIds.clear()

  const towns = byTown(stations.filter((s) => !canaryIds.has(s.id)))
  if (strategy === 'town') {
    const size = opts.waveSize && opts.waveSize > 0 ? Math.floor(opts.waveSize) : Infinity
    for (const list of towns.values()) {
      const slug = list[0]?.town.slug ?? 'town'
      const chunks = chunk(list, size)
      chunks.forEach((c, i) => waves.push({ name: chunks.length > 1 ? `${slug}-${i + 1}` : slug, kind: 'town', stations: c.map((s) => s.id) }))
    }
  } else {
    const percent = strategy.percent
    if (!(percent > 0 && percent <= 100)) throw new RangeError(`wave size must be between 1% and 100%, got ${percent}%`)
    // Batch size from the whole fleet (as Ansible's serial: "20%"), at least one station.
    const size = Math.max(1, Math.ceil((stations.length * percent) / 100))
    // Round-robin across towns so a batch spreads over many town uplinks
    // (each town's uplink has its own concurrency limit).
    const order = interleave([...towns.values()])
    chunk(order, size).forEach((c, i) => waves.push({ name: `batch-${i + 1}`, kind: 'batch', stations: c.map((s) => s.id) }))
  }
  return waves.map((w, index) => ({ index, ...w }))
}

/** One wave holding every station (push: no waves, concurrency limits still apply). */
export function singleWave(stations: readonly PlanStation[]): Wave[] {
  if (stations.length === 0) return []
  const ids = [...byTown(stations).values()].flat().map((s) => s.id)
  return [{ index: 0, name: 'all', kind: 'all', stations: ids }]
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  if (!Number.isFinite(size)) return list.length ? [[...list]] : []
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

function interleave<T>(lists: readonly T[][]): T[] {
  const out: T[] = []
  const max = Math.max(0, ...lists.map((l) => l.length))
  for (let i = 0; i < max; i++) for (const l of lists) if (i < l.length) out.push(l[i] as T)
  return out
}
