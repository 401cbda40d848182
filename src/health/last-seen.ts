import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { historyDir } from './history.js'
import type { AnswerIndex } from './staleness.js'
import type { StationHealth } from './types.js'
import { writeFileAtomic } from '../util/write-atomic.js'

/*
 * `.lastmile/health/last-seen.json`: per station, when it last answered, when
 * it was first probed and since when it has been failing. Staleness and the
 * town alert's "since" need these over any span of time; reading days of
 * history every five minutes would not scale, so each run keeps this small
 * index up to date (the JSONL history stays the record of what happened).
 */

interface Entry {
  lastAnswer?: number
  firstSeen: number
  downSince?: number
}

interface IndexFile {
  v: 1
  stations: Record<string, Entry>
}

export function indexFile(home: string): string {
  return path.join(historyDir(home), 'last-seen.json')
}

export function emptyIndex(): AnswerIndex {
  return { lastAnswer: new Map(), firstSeen: new Map(), downSince: new Map() }
}

export async function readAnswerIndex(home: string): Promise<AnswerIndex | undefined> {
  let text: string
  try {
    text = await readFile(indexFile(home), 'utf8')
  } catch {
    return undefined
  }
  try {
    const data = JSON.parse(text) as IndexFile
    if (data.v !== 1 || typeof data.stations !== 'object' || data.stations === null) return undefined
    const index = emptyIndex()
    for (const [id, e] of Object.entries(data.stations)) {
      if (typeof e.firstSeen === 'number') index.firstSeen.set(id, e.firstSeen)
      if (typeof e.lastAnswer === 'number') index.lastAnswer.set(id, e.lastAnswer)
      if (typeof e.downSince === 'number') index.downSince.set(id, e.downSince)
    }
    return index
  } catch {
    return undefined
  }
}

/** The index after this run's results. Pure: returns a new index. */
export function updateAnswers(index: AnswerIndex, stations: StationHealth[], now: number): AnswerIndex {
  const next: AnswerIndex = { lastAnswer: new Map(index.lastAnswer), firstSeen: new Map(index.firstSeen), downSince: new Map(index.downSince) }
  for (const s of stations) {
    if (!next.firstSeen.has(s.id)) next.firstSeen.set(s.id, now)
    if (s.answered) {
      next.lastAnswer.set(s.id, now)
      next.downSince.delete(s.id)
    } else if (!next.downSince.has(s.id)) {
      next.downSince.set(s.id, now)
    }
  }
  return next
}

/** Written to a temporary file and renamed: a reader never sees half an index. */
export async function writeAnswerIndex(home: string, index: AnswerIndex): Promise<void> {
  const file = indexFile(home)
  const ids = new Set([...index.firstSeen.keys(), ...index.lastAnswer.keys(), ...index.downSince.keys()])
  const stations: Record<string, Entry> = {}
  for (const id of [...ids].sort()) {
    const lastAnswer = index.lastAnswer.get(id)
    const downSince = index.downSince.get(id)
    stations[id] = {
      firstSeen: index.firstSeen.get(id) ?? lastAnswer ?? downSince ?? 0,
      ...(lastAnswer === undefined ? {} : { lastAnswer }),
      ...(downSince === undefined ? {} : { downSince }),
    }
  }
  await writeFileAtomic(file, JSON.stringify({ v: 1, stations } satisfies IndexFile) + '\n', { mode: 0o600, dirMode: 0o700 })
}
