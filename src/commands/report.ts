import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { inventoryFlag, labFlag } from '../cli/flags.js'
import { reportFromCli, type ReportResult } from '../report/service.js'

export default class Report extends BaseCommand<ReportResult> {
  static override summary = 'Write one self-contained HTML report of a rollout run, the stations by town, health, fibre and WiFi.'
  static override description =
    'One static HTML file (no external links, no JS needed) to open offline or attach to a ticket: totals, every town\'s stations coloured by state, the wave timeline, failures with their reasons, the latest health, fibre-upgrade progress and WiFi coverage. Without --run: the latest run; with no run yet: inventory and health only.'
  static override examples = ['<%= config.bin %> report --html report.html', '<%= config.bin %> report --run 20261129T021305123Z-a1b2c3 --html run.html', '<%= config.bin %> report --lab --html lab-report.html']
  static override flags = {
    inventory: inventoryFlag,
    run: Flags.string({ summary: 'Run id (default: the latest run in .lastmile/runs).' }),
    html: Flags.string({ summary: 'The HTML file to write.', required: true }),
    lab: labFlag,
  }

  protected async execute(): Promise<ReportResult> {
    const { flags } = await this.parse(Report)
    return reportFromCli({
      inventoryDir: flags.inventory,
      inventoryExplicit: this.inventoryGiven(),
      ...(flags.run ? { runId: flags.run } : {}),
      html: flags.html,
      lab: flags.lab,
    })
  }

  protected display(r: ReportResult): string {
    return r.hasRun ? `wrote ${r.file} (run ${r.runId}, ${r.events} events)` : `wrote ${r.file} (no rollout run yet: inventory and health only)`
  }
}
