import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { formatTable } from '../cli/table.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../cli/flags.js'
import { confirmer, runFlags, runtime } from '../rollout/cli.js'
import { exitCodeFor, formatRolloutResult, type RolloutResult } from '../rollout/result.js'
import { runRollout, type DryRunResult } from '../rollout/service.js'
import { ExitCode } from '../cli/exit-codes.js'

type PushResult = RolloutResult | DryRunResult

export default class Push extends BaseCommand<PushResult> {
  static override summary = 'Push the rendered configs to the selected stations now: one wave, no thresholds, journaled like a rollout.'
  static override description = `For a few stations or a fix: every selected station in one wave (the concurrency limits still apply: district-wide and per town). Each station: probe (one exec; up to date → done), apply only the changed files, confirm over a new connection (else the station's watchdog rolls back), record. --dry-run renders and probes (a live plan) and changes nothing. Journaled in .lastmile/runs/<run-id>.jsonl; resume an interrupted push with \`lastmile rollout --resume\`.

Exit: 0 all confirmed or unchanged · 4 some failed, rolled back or unreachable · 7 a rollout holds the lock · 3 invalid inventory.`
  static override examples = ['<%= config.bin %> push --lab --station 441802006001', '<%= config.bin %> push --town 飞来峡镇 --dry-run', '<%= config.bin %> push --town fengcheng --yes --json']
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    ...runFlags,
    'dry-run': Flags.boolean({ summary: 'Render and probe only: show which stations would change, apply nothing.', default: false }),
  }

  protected async execute(): Promise<PushResult> {
    const { flags } = await this.parse(Push)
    const rt = runtime(this.jsonEnabled(), 'push')
    try {
      const r = await runRollout({
        startupMs: performance.now(),
        command: 'push',
        inventoryDir: flags.inventory,
        inventoryExplicit: this.inventoryGiven(),
        towns: flags.town,
        stations: flags.station,
        lab: flags.lab,
        dryRun: flags['dry-run'],
        ...(flags.stack ? { stack: flags.stack } : {}),
        ...(flags['confirm-within'] ? { confirmWithinS: flags['confirm-within'] } : {}),
        ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
        reporter: rt.reporter,
        stop: rt.stop,
        onRunStarted: rt.onRunStarted,
        ...(flags['dry-run'] ? {} : { confirm: confirmer({ yes: flags.yes, lab: flags.lab, json: this.jsonEnabled() }) }),
        warn: (t) => this.warn(t),
      })
      if ('dryRun' in r) {
        if (r.totals.unreachable + r.totals.failed > 0) this.setStatus(ExitCode.PartialFailure)
      } else this.setStatus(exitCodeFor(r))
      return r
    } finally {
      rt.dispose()
    }
  }

  protected display(r: PushResult): string {
    if (!('dryRun' in r)) return formatRolloutResult(r)
    const rows = r.stations.map((s) => [s.id, s.name, s.town, s.error ? s.error.class : s.upToDate ? 'up to date' : 'would change', s.error ? s.error.message.slice(0, 100) : s.changed.join(' ')])
    const t = r.totals
    return [
      formatTable(['station', 'name', 'town', 'state', 'files to ship'], rows),
      '',
      `dry run: ${t.stations} stations: ${t.upToDate} up to date, ${t.wouldChange} would change, ${t.unreachable} unreachable, ${t.failed} failed to probe. Nothing was changed.`,
    ].join('\n')
  }
}
