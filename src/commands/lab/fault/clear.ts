import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../../cli/base-command.js'
import { formatFaultChange } from '../../../lab/format.js'
import { clearLabFault, type FaultChangeResult } from '../../../lab/service.js'
import { lastmileHome } from '../../../state/paths.js'

export default class LabFaultClear extends BaseCommand<FaultChangeResult> {
  static override summary = 'Remove faults from running lab stations: some keys of a selector, a selector\'s entry, or all (--all).'
  static override examples = [
    '<%= config.bin %> lab fault clear 441802006001',
    '<%= config.bin %> lab fault clear 441802006001 latencyMs',
    '<%= config.bin %> lab fault clear --all',
  ]
  static override strict = false
  static override args = {
    selector: Args.string({ required: false, description: "the selector the fault was set on: station id, town or '*'" }),
  }
  static override flags = {
    all: Flags.boolean({ summary: 'Clear every fault of every station.', default: false }),
  }

  protected async execute(): Promise<FaultChangeResult> {
    const { args, argv, flags } = await this.parse(LabFaultClear)
    const keys = (argv as string[]).slice(1)
    return clearLabFault({ home: lastmileHome(), ...(args.selector ? { selector: args.selector } : {}), keys, all: flags.all })
  }

  protected display(r: FaultChangeResult): string {
    return formatFaultChange(r, 'cleared')
  }
}
