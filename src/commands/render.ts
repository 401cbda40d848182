import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { formatProblem } from '../cli/errors.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../cli/flags.js'
import { formatRenderResult, renderToDirectory, type RenderCommandResult } from '../render/service.js'

export default class Render extends BaseCommand<RenderCommandResult> {
  static override summary = 'Render the station config files (UCI, authorized_keys, station.json) into a folder.'
  static override description =
    'Renders each selected station with the templates of its platform (templates/<platform>/) into DIR/<station-id>/<path>, with file modes set, plus DIR/<station-id>/manifest.json (sha256, mode, reload action of each file, and the config id). The files hold real secret values: keep DIR private. DIR must be new, empty, or an earlier render output.'
  static override examples = [
    '<%= config.bin %> render --out build/stations',
    '<%= config.bin %> render --town feilaixia --lab --out /tmp/feilaixia --json',
  ]
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    out: Flags.string({ char: 'o', summary: 'Folder to write into (new, empty, or an earlier render output).', required: true }),
  }

  protected async execute(): Promise<RenderCommandResult> {
    const { flags } = await this.parse(Render)
    const result = await renderToDirectory({ inventoryDir: flags.inventory, out: flags.out, towns: flags.town, stations: flags.station, lab: flags.lab })
    for (const w of result.warnings) this.warn(formatProblem(w).replace(/^warning {2}/, ''))
    return result
  }

  protected display(r: RenderCommandResult): string {
    return formatRenderResult(r)
  }
}
