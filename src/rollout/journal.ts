import { redactSecrets } from '../secrets/redact.js'
import { open, readFile, readdir, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { FileHandle } from 'node:fs/promises'
import { statePaths } from '../state/paths.js'
import type { AbortConfig } from './thresholds.js'
import type { StationState, StateCounts, Wave, StationTimings } from './types.js'

/**
 * The journal: one append-only JSON-lines file per run,
 * `.lastmile/runs/<run-id>.jsonl`. Every event is written and fsync'd before
 * the rollout goes on, so after a crash (or kill -9, or a laptop going to sleep
 * for good) the file says exactly which stations were applied and not yet
 * confirmed, and `rollout --resume` continues from there.
 *
 * No secret ever reaches it: config ids, paths and sha256 of rendered files only.
 */

export interface PlannedStation {
  id: string
  name: string
  town: string
  configId: string
}

export type JournalEventBody =
  | {
      type: 'run-started'
      command: 'rollout' | 'push'
      lab: boolean
      inventory: string
      inventoryHash: string
      waves: Wave[]
      stations: PlannedStation[]
      thresholds: AbortConfig | null
      confirmWithinS: number
      limits: { maxConcurrent: number; perTownConcurrent: number }
      pid: number
      host: string
    }
  | { type: 'run-resumed'; pid: number; host: string; fromEvents: number; torn: boolean }
  | { type: 'wave-started'; wave: number; name: string; stations: string[] }
  | { type: 'station-started'; wave: number; station: string; attempt: number }
  | { type: 'probed'; wave: number; station: string; appliedId: string | null; pendingId: string | null; changed: string[]; ms: number }
  | { type: 'applied'; wave: number; station: string; configId: string; changed: string[]; deadline: number | null; ms: number }
  | { type: 'confirmed'; wave: number; station: string; configId: string; ms: number; timings: StationTimings }
  | { type: 'unchanged'; wave: number; station: string; configId: string; ms: number; timings: StationTimings }
  | { type: 'rolled-back'; wave: number; station: string; configId: string | null; reason: string; ms: number; timings: StationTimings }
  | { type: 'failed'; wave: number; station: string; configId: string | null; errorClass: string; message: string; ms: number; timings: StationTimings }
  | { type: 'unreachable'; wave: number; station: string; errorClass: string; message: string; attempt: number; final: boolean; ms: number }
  | { type: 'deferred'; wave: number; station: string; attempt: number; retryInMs: number }
  | { type: 'skipped'; wave: number; station: string; reason: string }
  | { type: 'health'; wave: number; station: string; critical: string[] }
  | { type: 'wave-finished'; wave: number; name: string; counts: StateCounts; ms: number }
  | { type: 'aborted'; wave: number | null; reason: string; rule: string }
  | { type: 'interrupted'; wave: number | null; hard: boolean }
  | { type: 'run-finished'; status: 'ok' | 'partial' | 'aborted' | 'interrupted'; totals: StateCounts; ms: number; report?: string }

export type JournalEvent = JournalEventBody & { ts: string; ms?: number }

/** Events that close a station's story in a run. */
export const terminalStationEvents = new Set(['confirmed', 'unchanged', 'rolled-back', 'failed', 'skipped'])

export function stateOfEvent(e: JournalEvent): StationState | undefined {
  switch (e.type) {
    case 'confirmed':
    case 'unchanged':
    case 'rolled-back':
    case 'failed':
    case 'skipped':
      return e.type
    case 'unreachable':
      return e.final ? 'unreachable' : undefined
    default:
      return undefined
  }
}

/** `20251129T021305123Z-a1b2c3`: sorts by time as a string; the suffix keeps two starts in one ms apart. */
export function newRunId(now: () => number = Date.now, random: (n: number) => Buffer = randomBytes): string {
  const iso = new Date(now()).toISOString() // 2025-11-29T02:13:05.123Z
  return `${iso.replace(/[-:.]/g, '')}-${random(3).toString('hex')}`
}

export const runIdPattern = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/

export function journalPath(home: string, runId: string): string {
  return path.join(statePaths.runs(home), `${runId}.jsonl`)
}

/** The file operations the writer needs; tests pass a recording fake to see the fsyncs. */
export interface JournalFile {
  write(text: string): Promise<unknown>
  sync(): Promise<void>
  close(): Promise<void>
}

export async function openJournalFile(file: string): Promise<JournalFile> {
  await mkdir(path.dirname(file), { recursive: true })
  const fh: FileHandle = await open(file, 'a', 0o600)
  return { write: (t) => fh.write(t), sync: () => fh.sync(), close: () => fh.close() }
}

export class JournalWriter {
  private chain: Promise<void> = Promise.resolve()
  private closed = false
  readonly events: JournalEvent[] = []

  constructor(
    readonly runId: string,
    readonly file: string,
    private readonly handle: JournalFile,
    private readonly now: () => number = Date.now,
  ) {}

  static async open(home: string, runId: string, now: () => number = Date.now): Promise<JournalWriter> {
    const file = journalPath(home, runId)
    return new JournalWriter(runId, file, await openJournalFile(file), now)
  }

  /**
   * Appends one event and resolves once it is on disk (write + fsync). Writes
   * are serialised, so lines never interleave. A line is one `write`: after a
   * crash only the last line can be torn, and readJournal ignores it.
   */
  append(body: JournalEventBody): Promise<void> {
    // Scrubbed: an agent error message may quote a reload's output, which could hold a secret
    // value; the events kept in memory feed the report, so they are the scrubbed ones too.
    const event = redactSecrets({ ts: new Date(this.now()).toISOString(), ...body } as JournalEvent)
    this.events.push(event)
    return this.enqueue(JSON.stringify(event) + '\n')
  }

  /**
   * Appends several events with one write and one fsync (the preflight's up-to-date
   * stations: 152 fsyncs would cost more than the probes). A crash can tear only the
   * last line, as with `append`; resume re-probes a station whose line is missing.
   */
  appendMany(bodies: readonly JournalEventBody[]): Promise<void> {
    if (bodies.length === 0) return this.chain
    const ts = new Date(this.now()).toISOString()
    const events = bodies.map((b) => redactSecrets({ ts, ...b } as JournalEvent))
    this.events.push(...events)
    return this.enqueue(events.map((e) => JSON.stringify(e) + '\n').join(''))
  }

  /** One write and one fsync, after the ones before it. */
  private enqueue(text: string): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.closed) throw new Error(`journal ${this.file} is closed`)
      await this.handle.write(text)
      await this.handle.sync()
    })
    // Keep the chain alive after a failure so the caller sees each error once.
    this.chain = next.catch(() => undefined)
    return next
  }

  async close(): Promise<void> {
    await this.chain
    if (this.closed) return
    this.closed = true
    await this.handle.close()
  }
}

export interface ReadJournalResult {
  runId: string
  file: string
  events: JournalEvent[]
  /** The file ended in a partial line (a crash mid-write); it was ignored. */
  torn: boolean
  /** Complete lines that were not valid JSON (should not happen; reported, skipped). */
  badLines: number[]
}

/** Parses journal text. Never throws: a torn final line is dropped and flagged. */
export function parseJournal(text: string): Pick<ReadJournalResult, 'events' | 'torn' | 'badLines'> {
  const events: JournalEvent[] = []
  const badLines: number[] = []
  const lines = text.split('\n')
  // The text after the last newline is a line whose write never completed.
  const last = lines.pop() ?? ''
  let torn = last.length > 0
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    try {
      const v = JSON.parse(line) as unknown
      if (v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string') events.push(v as JournalEvent)
      else badLines.push(i + 1)
    } catch {
      // A torn write followed by a later append (resume) leaves the torn line
      // in the middle: tolerate it the same way.
      if (i === lines.length - 1 || !line.endsWith('}')) torn = true
      else badLines.push(i + 1)
    }
  })
  return { events, torn, badLines }
}

export async function readJournal(home: string, runId: string): Promise<ReadJournalResult> {
  const file = journalPath(home, runId)
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return { runId, file, events: [], torn: false, badLines: [] }
  }
  return { runId, file, ...parseJournal(text) }
}

/** Run ids in the runs folder, oldest first. */
export async function listRuns(home: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(statePaths.runs(home))
  } catch {
    return []
  }
  return names
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .filter((id) => runIdPattern.test(id))
    .sort()
}

/**
 * A torn last line must not glue itself onto the next event when a resumed
 * run appends: start the resumed run's events on a fresh line.
 */
export async function repairTornTail(file: string): Promise<boolean> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return false
  }
  if (text.length === 0 || text.endsWith('\n')) return false
  const fh = await open(file, 'a')
  try {
    await fh.write('\n')
    await fh.sync()
  } finally {
    await fh.close()
  }
  return true
}
