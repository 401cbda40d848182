import { BaseCommand } from '../../cli/base-command.js'
import { formatProblem } from '../../cli/errors.js'
import { inventoryFlag, stationFlag, townFlag } from '../../cli/flags.js'
import { formatShow } from '../../inventory/format-show.js'
import { showInventory, type ShowResult } from '../../inventory/show.js'

export default class InventoryShow extends BaseCommand<ShowResult> {
  static override summary = 'Totals per district and town (stations, e-commerce, set-top boxes, PCs, WiFi, WAN, fibre), compared with the programme.'
  static override description = 'Counts what the inventory holds and compares the district totals with district.programme. --town narrows to towns (NBS code, slug or Chinese name); --station adds the full record of each station (secrets appear only as their refs).'
  static override examples = [
    '<%= config.bin %> inventory show',
    '<%= config.bin %> inventory show --town 源潭镇 --town fengcheng',
    '<%= config.bin %> inventory show --station 441802103203 --json',
  ]
  static override flags = { inventory: inventoryFlag, town: townFlag, station: stationFlag }

  protected async execute(): Promise<ShowResult> {
    const { flags } = await this.parse(InventoryShow)
    const result = await showInventory({ inventoryDir: flags.inventory, towns: flags.town, stations: flags.station })
    for (const p of result.warnings) this.warn(formatProblem(p).replace(/^warning {2}/, ''))
    return result
  }

  protected display(r: ShowResult): string {
    return formatShow(r)
  }
}
