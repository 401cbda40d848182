import { appendFile, mkdir, readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { redactSecrets } from '../secrets/redact.js'
import { statePaths } from '../state/paths.js'
import type { Bilingual } from '../i18n/lang.js'
import type { CheckId, CheckState, StationHealth, TownAlert } from './types.js'

/*
 * Health history: one JSON line per station per run in
 * `.lastmile/health/<YYYY-MM-DD>.jsonl` (UTC date of the run). Only states,
 * reasons and timings: the agent never sends secrets, and every line goes
 * through redactSecrets anyway.
 */

export interface StationRecord {
  v: 1
  type: 'station'
  ts: string
  station: string
  town: string
  state: CheckState
  answered: boolean
  checks: Partial<Record<CheckId, CheckState>>
  /** the checks that are not ok, with their reasons */
  problems: Array<{ id: CheckId; state: CheckState; reason: Bilingual }>
  handshakeMs?: number
  rttMs?: number
  diskFree?: number
  /** town code of the town alert this station was folded into */
  behind?: string
}

export interface TownAlertRecord {
  v: 1
  type: 'town-alert'
  ts: string
  town: string
  unreachable: number
  total: number
  since: string
  reason: Bilingual
}

export type HistoryRecord = StationRecord | TownAlertRecord

/** The history never reaches back further than this when looking for the last answer. */
export const MAX_HISTORY_DAYS = 60

export function historyDir(home: string): string {
  return statePaths.health(home)
}

export function historyFile(home: string, at: number): string {
  return path.join(historyDir(home), `${new Date(at).toISOString().slice(0, 10)}.jsonl`)
}

export function toRecords(at: number, stations: StationHealth[], townAlerts: TownAlert[]): HistoryRecord[] {
  const ts = new Date(at).toISOString()
  const out: HistoryRecord[] = stations.map((s) => {
    const disk = s.checks.find((c) => c.id === 'disk')
    return {
      v: 1,
      type: 'station',
      ts,
      station: s.id,
      town: s.town.code,
      state: s.state,
      answered: s.answered,
      checks: Object.fromEntries(s.checks.map((c) => [c.id, c.state])),
      problems: s.checks.filter((c) => c.state !== 'ok').map((c) => ({ id: c.id, state: c.state, reason: c.reason })),
      ...(s.handshakeMs === undefined ? {} : { handshakeMs: s.handshakeMs }),
      ...(s.rttMs === undefined ? {} : { rttMs: s.rttMs }),
      ...(typeof disk?.value === 'number' ? { diskFree: disk.value } : {}),
      ...(s.behindTownAlert ? { behind: s.behindTownAlert } : {}),
    }
  })
  for (const a of townAlerts) {
    out.push({ v: 1, type: 'town-alert', ts, town: a.town.code, unreachable: a.unreachable, total: a.total, since: a.since, reason: a.reason })
  }
  return out
}

/** Appends one run. One write call, so a crash leaves at most one torn line (skipped on read). */
export async function appendHistory(home: string, at: number, stations: StationHealth[], townAlerts: TownAlert[]): Promise<string> {
  const file = historyFile(home, at)
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const lines = toRecords(at, stations, townAlerts).map((r) => JSON.stringify(redactSecrets(r)))
  await appendFile(file, lines.join('\n') + '\n', { encoding: 'utf8', mode: 0o600 })
  return file
}

/** Records with from ≤ ts ≤ to, oldest first. Missing directory = no history. */
export async function readHistory(home: string, range: { from: number; to: number }): Promise<HistoryRecord[]> {
  const dir = historyDir(home)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const fromDay = new Date(range.from).toISOString().slice(0, 10)
  const toDay = new Date(range.to).toISOString().slice(0, 10)
  const files = names.filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n) && n.slice(0, 10) >= fromDay && n.slice(0, 10) <= toDay).sort()
  const out: HistoryRecord[] = []
  for (const name of files) {
    const text = await readFile(path.join(dir, name), 'utf8')
    for (const line of text.split('\n')) {
      const r = parseRecord(line)
      if (!r) continue
      const t = Date.parse(r.ts)
      if (t >= range.from && t <= range.to) out.push(r)
    }
  }
  return out.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts))
}

function parseRecord(line: string): HistoryRecord | undefined {
  if (!line.trim()) return undefined
  try {
    const r = JSON.parse(line) as HistoryRecord
    if (r.v !== 1 || typeof r.ts !== 'string' || Number.isNaN(Date.parse(r.ts))) return undefined
    if (r.type === 'station' && typeof r.station === 'string' && typeof r.state === 'string') return r
    if (r.type === 'town-alert' && typeof r.town === 'string') return r
  } catch {
    // a torn last line after a crash
  }
  return undefined
}

export function stationRecords(records: HistoryRecord[]): StationRecord[] {
  return records.filter((r): r is StationRecord => r.type === 'station')
}
