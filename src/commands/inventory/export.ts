import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { formatProblem } from '../../cli/errors.js'
import { inventoryFlag, stationFlag, townFlag } from '../../cli/flags.js'
import { EXPORT_FORMATS, exportInventory, type ExportResult } from '../../inventory/export.js'

export default class InventoryExport extends BaseCommand<ExportResult> {
  static override summary = 'Export the stations for another tool (an Ansible YAML inventory).'
  static override description = "Writes the active stations as an Ansible YAML inventory: group all → one child group per town (its slug) with the stations keyed by NBS code (ansible_host = management address, ansible_user/port, lastmile_* vars), plus lastmile_canary. Secrets are {{ lookup('env', 'LASTMILE_SECRET_…') }} strings, never values."
  static override examples = [
    '<%= config.bin %> inventory export --format ansible --out hosts.yaml',
    '<%= config.bin %> inventory export --format ansible --town yuantan > yuantan.yaml',
  ]
  static override flags = {
    inventory: inventoryFlag,
    format: Flags.option({ options: EXPORT_FORMATS, default: 'ansible' as const, summary: 'Output format.' })(),
    out: Flags.string({ char: 'o', summary: 'Write to this file instead of stdout.' }),
    town: townFlag,
    station: stationFlag,
  }

  protected async execute(): Promise<ExportResult> {
    const { flags } = await this.parse(InventoryExport)
    const result = await exportInventory({ inventoryDir: flags.inventory, format: flags.format, out: flags.out, towns: flags.town, stations: flags.station })
    for (const p of result.warnings) this.warn(formatProblem(p).replace(/^warning {2}/, ''))
    return result
  }

  protected display(r: ExportResult): string {
    if (r.text !== undefined) return r.text.trimEnd()
    return `wrote ${r.hosts} hosts in ${r.groups.length} groups (${r.groups.join(', ')}) to ${r.out}`
  }
}
