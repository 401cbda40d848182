import type { Station } from '../inventory/model.js'
import type { StationProbe } from './types.js'

export interface CollectOptions<T> {
  /** the stations to probe, each with whatever the prober needs to reach it (an SSH target) */
  targets: Array<{ station: Station; target: T }>
  /** probes one station; must not throw for station problems (errors go into the probe) */
  probeOne: (station: Station, target: T) => Promise<StationProbe>
  /** at most this many stations at once (default 20, the district's maxConcurrent) */
  concurrency?: number
  /** wall clock, epoch ms */
  now?: () => number
  onProgress?: (done: number, total: number, probe: StationProbe) => void
}

/**
 * Probes every station with bounded concurrency: one SSH session and one exec
 * per station. Results come back in the order of `targets`. A prober that
 * throws anyway (a bug) turns into that station's error, never a lost run.
 */
export async function collectHealth<T>(opts: CollectOptions<T>): Promise<StationProbe[]> {
  const now = opts.now ?? Date.now
  const total = opts.targets.length
  const results: StationProbe[] = new Array<StationProbe>(total)
  const width = Math.max(1, Math.min(opts.concurrency ?? 20, total))
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    // Each worker takes the next index until none are left: bounded by `total`.
    while (next < total) {
      const i = next++
      const { station, target } = opts.targets[i] as { station: Station; target: T }
      let probe: StationProbe
      try {
        probe = await opts.probeOne(station, target)
      } catch (err) {
        probe = { stationId: station.id, at: now(), error: { kind: 'internal', message: (err as Error).message ?? String(err) } }
      }
      results[i] = probe
      done++
      opts.onProgress?.(done, total, probe)
    }
  }
  await Promise.all(Array.from({ length: width }, worker))
  return results
}
