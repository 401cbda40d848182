import { BaseCommand } from '../../cli/base-command.js'
import { formatStatus } from '../../lab/format.js'
import { labStatus, type LabStatusResult } from '../../lab/service.js'
import { lastmileHome } from '../../state/paths.js'

export default class LabStatus extends BaseCommand<LabStatusResult> {
  static override summary = 'Is the lab running: its daemon, memory, faults, and per station what is pending or cut off.'
  static override examples = ['<%= config.bin %> lab status', '<%= config.bin %> lab status --json']

  protected async execute(): Promise<LabStatusResult> {
    await this.parse(LabStatus)
    return labStatus({ home: lastmileHome() })
  }

  protected display(r: LabStatusResult): string {
    return formatStatus(r)
  }
}
