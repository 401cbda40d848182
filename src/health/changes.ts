import type { StationRecord } from './history.js'
import type { CheckState } from './types.js'

export interface Transition {
  at: string
  from: CheckState
  to: CheckState
}

export interface StationChanges {
  id: string
  town: string
  transitions: Transition[]
}

/**
 * Per station, every change of overall state at or after `since` (the state
 * before the window counts as the starting point). Records oldest first. Pure.
 */
export function changesSince(records: StationRecord[], since: number): StationChanges[] {
  const last = new Map<string, CheckState>()
  const out = new Map<string, StationChanges>()
  for (const r of records) {
    const prev = last.get(r.station)
    last.set(r.station, r.state)
    if (prev === undefined || prev === r.state || Date.parse(r.ts) < since) continue
    const entry = out.get(r.station) ?? { id: r.station, town: r.town, transitions: [] }
    entry.transitions.push({ at: r.ts, from: prev, to: r.state })
    out.set(r.station, entry)
  }
  return [...out.values()]
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }

/** `90s`, `30m`, `24h`, `7d`, `2w` → ms; undefined when it is not one of those. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text)
  if (!m) return undefined
  const value = Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number)
  return value > 0 ? value : undefined
}
