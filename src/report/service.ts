import { UsageError } from '../cli/errors.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import { listRuns, readJournal, runIdPattern } from '../rollout/journal.js'
import { inventoryUnderLab, readLabTarget } from '../lab/target.js'
import { lastmileHome } from '../state/paths.js'
import { writeHtmlReport } from './write.js'

export interface ReportCliOptions {
  inventoryDir: string
  inventoryExplicit?: boolean
  runId?: string
  html: string
  lab?: boolean
  env?: NodeJS.ProcessEnv
  cwd?: string
  now?: () => number
}

export interface ReportResult {
  file: string
  runId: string | null
  /** false when there was no run yet: the report shows the inventory and health only */
  hasRun: boolean
  events: number
}

/** `lastmile report`: pick the run (default the latest), check it exists, write the HTML. */
export async function reportFromCli(opts: ReportCliOptions): Promise<ReportResult> {
  const env = opts.env ?? process.env
  const home = lastmileHome(env, opts.cwd)
  const lab = opts.lab ? await readLabTarget(home) : undefined
  const dir = inventoryUnderLab(lab, opts.inventoryDir, opts.inventoryExplicit)
  const { inventory } = await loadInventoryOrThrow(dir)
  const runs = await listRuns(home)
  let runId = opts.runId
  if (runId !== undefined) {
    if (!runIdPattern.test(runId)) throw new UsageError(`--run ${JSON.stringify(runId)} is not a run id`, 'A run id looks like 20261129T021305123Z-a1b2c3; `ls .lastmile/runs` lists them.')
    if (!runs.includes(runId)) throw new UsageError(`no run ${runId} in ${home}/runs`, runs.length > 0 ? `Known runs: ${runs.slice(-5).join(', ')} (leave out --run for the latest).` : 'No rollout has been run yet; leave out --run for an inventory and health report.')
  }
  runId ??= runs.at(-1)
  const events = runId ? (await readJournal(home, runId)).events : []
  const file = await writeHtmlReport({ inventory, ...(runId ? { runId } : {}), journalEvents: events, out: opts.html, home, ...(opts.now ? { now: opts.now } : {}) })
  return { file, runId: runId ?? null, hasRun: events.length > 0, events: events.length }
}
