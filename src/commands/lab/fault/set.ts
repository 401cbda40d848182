import { Args } from '@oclif/core'
import { BaseCommand } from '../../../cli/base-command.js'
import { faultKeys } from '../../../lab/faults.js'
import { formatFaultChange } from '../../../lab/format.js'
import { setLabFault, type FaultChangeResult } from '../../../lab/service.js'
import { lastmileHome } from '../../../state/paths.js'

export default class LabFaultSet extends BaseCommand<FaultChangeResult> {
  static override summary = 'Inject faults into running lab stations: a station, a town or * (all).'
  static override description = `Merges key=value settings into the selector's faults (written to <home>/lab/faults.yaml, which the lab daemon follows). A bare boolean key means true; lists are comma-separated. Faults: ${faultKeys.join(', ')}. See docs/lab.md.`
  static override examples = [
    '<%= config.bin %> lab fault set 441802006001 latencyMs=300 bandwidthKbps=256',
    '<%= config.bin %> lab fault set feilaixia unreachable',
    '<%= config.bin %> lab fault set 441802006001 unplug=document-camera',
    "<%= config.bin %> lab fault set '*' failReload=network",
  ]
  static override strict = false
  static override args = {
    selector: Args.string({ required: true, description: "12-digit station id, town (NBS code, slug or Chinese name) or '*'" }),
  }

  protected async execute(): Promise<FaultChangeResult> {
    const { args, argv } = await this.parse(LabFaultSet)
    const assignments = (argv as string[]).slice(1)
    return setLabFault({ home: lastmileHome(), selector: args.selector, assignments })
  }

  protected display(r: FaultChangeResult): string {
    return formatFaultChange(r, 'set')
  }
}
