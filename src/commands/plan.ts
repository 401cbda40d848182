import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { formatProblem } from '../cli/errors.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../cli/flags.js'
import { formatPlan } from '../plan/format.js'
import { planStations, type PlanResult } from '../plan/plan.js'

export default class Plan extends BaseCommand<PlanResult> {
  static override summary = 'Show what a rollout would change on each station: files added, changed, removed, with diffs.'
  static override description =
    'Renders the selected stations and compares them with what was last applied (the local record in $LASTMILE_HOME/state/applied, written by rollouts; with --live, what the agent on each station reports). Diffs show the masked files: a secret is ‹secret› (changed) or ‹secret› (unchanged), decided by HMAC fingerprints under a local key; secret values are never shown. Per-town summary at the end. With --lab while a lab runs, the lab\'s inventory (as push --lab uses it) unless --inventory is given; --live then probes only the stations the lab runs.'
  static override examples = ['<%= config.bin %> plan', '<%= config.bin %> plan --town 飞来峡镇', '<%= config.bin %> plan --station 441802104201 --lab --json']
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    live: Flags.boolean({ summary: "Compare with what the stations report (one probe each), not this machine's records.", default: false }),
    stack: Flags.string({ summary: 'Pulumi stack whose outputs (hub, portal, monitoring) the configs use. Default: lab with --lab, else prod.' }),
  }

  protected async execute(): Promise<PlanResult> {
    const { flags } = await this.parse(Plan)
    const inventoryExplicit = this.inventoryGiven()
    const source = flags.live ? (await import('../rollout/live-source.js')).liveSourceForPlan : undefined
    const result = await planStations({
      inventoryDir: flags.inventory,
      inventoryExplicit,
      towns: flags.town,
      stations: flags.station,
      lab: flags.lab,
      ...(flags.stack ? { stack: flags.stack } : {}),
      ...(source ? { source } : {}),
    })
    for (const w of result.warnings) this.warn(formatProblem(w).replace(/^warning {2}/, ''))
    return result
  }

  protected display(r: PlanResult): string {
    return formatPlan(r)
  }
}
