import path from 'node:path'
import type { Inventory } from '../inventory/model.js'
import { listRuns, readJournal, type JournalEvent } from '../rollout/journal.js'
import { lastmileHome } from '../state/paths.js'
import { writeFileAtomic } from '../util/write-atomic.js'
import { readHistory } from '../health/history.js'
import type { HealthResult } from '../health/result.js'
import { defaultThresholds } from '../health/thresholds.js'
import { fromHealthResult, fromHistory, type ReportHealth } from './health-input.js'
import { renderReportHtml } from './html.js'
import { buildReportModel } from './model.js'

export interface WriteReportOptions {
  inventory: Inventory
  /** the run to report; default the latest in <home>/runs (none: inventory and health only) */
  runId?: string
  /** the run's events when the caller has them (the rollout at its end); else read from the journal */
  journalEvents?: JournalEvent[]
  /** a health result to show; default the latest records of the health history */
  health?: HealthResult | ReportHealth
  /** the HTML file to write */
  out: string
  /** LASTMILE_HOME (default from the environment) */
  home?: string
  now?: () => number
  timeZone?: string
}

/**
 * Writes the static HTML report and returns its path. Called by `lastmile
 * report` and by the rollout at the end of every run. The file is written to
 * a temporary name and renamed: a reader never sees half a report.
 */
export async function writeHtmlReport(opts: WriteReportOptions): Promise<string> {
  const home = opts.home ?? lastmileHome()
  const now = (opts.now ?? Date.now)()
  const runs = await listRuns(home)
  let runId = opts.runId
  let events = opts.journalEvents
  if (!events) {
    runId ??= runs.at(-1)
    if (runId) events = (await readJournal(home, runId)).events
  }
  const health = opts.health ? toReportHealth(opts.health) : await latestHealth(home, now)
  const model = buildReportModel({
    inventory: opts.inventory,
    ...(runId ? { runId } : {}),
    ...(events ? { events } : {}),
    ...(health ? { health } : {}),
    runsKnown: Math.max(runs.length, events && events.length > 0 ? 1 : 0),
    now,
  })
  const html = renderReportHtml(model, opts.timeZone ? { timeZone: opts.timeZone } : {})
  const out = path.resolve(opts.out)
  await writeFileAtomic(out, html)
  return out
}

function toReportHealth(hl: HealthResult | ReportHealth): ReportHealth {
  return 'source' in hl ? hl : fromHealthResult(hl)
}

/** The latest health records: today's and yesterday's history files (UTC), at most. */
async function latestHealth(home: string, now: number): Promise<ReportHealth | undefined> {
  const records = await readHistory(home, { from: now - 2 * 86_400_000, to: now })
  if (records.length > 0) return fromHistory(records, now, defaultThresholds.staleAfterMs)
  // Older history: the report still shows it, marked stale, rather than nothing.
  const older = await readHistory(home, { from: now - 30 * 86_400_000, to: now })
  return older.length > 0 ? fromHistory(older, now, defaultThresholds.staleAfterMs) : undefined
}
