import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { ExitCode } from '../cli/exit-codes.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../cli/flags.js'
import { formatStatus } from '../status/format.js'
import { stationStatus, type StatusResult } from '../status/service.js'

export default class Status extends BaseCommand<StatusResult> {
  static override summary = 'Per station: the desired config against the last confirmed one, the last run, the state and since when; per-town summary.'
  static override description =
    'States: up-to-date, out-of-date (the inventory or templates changed since the last confirm), pending (applied, not confirmed), failed, rolled-back, unreachable, never-pushed. Without --live from this machine\'s journals (.lastmile/runs) and applied records; with --live each station\'s agent is asked (one SSH exec each, concurrently). Exit 4 when any station is failed, rolled back, unreachable or pending.'
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --town 飞来峡镇 --live', '<%= config.bin %> status --lab --json']
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    live: Flags.boolean({ summary: 'Ask the stations\' agents (one exec each) instead of trusting local records.', default: false }),
    concurrency: Flags.integer({ summary: 'Stations probed at once with --live (default district.rollout.maxConcurrent).', min: 1, max: 500 }),
  }

  protected async execute(): Promise<StatusResult> {
    const { flags } = await this.parse(Status)
    const r = await stationStatus({
      inventoryDir: flags.inventory,
      inventoryExplicit: this.inventoryGiven(),
      towns: flags.town,
      stations: flags.station,
      lab: flags.lab,
      live: flags.live,
      ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    })
    for (const w of r.warnings) this.warn(w)
    const t = r.totals
    if (t.failed + t['rolled-back'] + t.unreachable + t.pending > 0) this.setStatus(ExitCode.PartialFailure)
    return r
  }

  protected display(r: StatusResult): string {
    return formatStatus(r)
  }
}
