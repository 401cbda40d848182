import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { formatStop } from '../../lab/format.js'
import { stopLab, type StopLabResult } from '../../lab/service.js'
import { lastmileHome } from '../../state/paths.js'

export default class LabDown extends BaseCommand<StopLabResult> {
  static override summary = 'Stop the lab: its daemon and every process its stations left running.'
  static override description = 'Sends SIGTERM to exactly the recorded lab daemon (after checking it is one), kills the agent watchdogs and commands the stations left running, and removes target.json and the faults. Station roots (configs, agent state, host keys) are kept for the next `lab up` unless --purge.'
  static override examples = ['<%= config.bin %> lab down', '<%= config.bin %> lab down --purge']
  static override flags = {
    purge: Flags.boolean({ summary: 'Also remove the station roots, host keys, operator key and logs (<home>/lab).', default: false }),
  }

  protected async execute(): Promise<StopLabResult> {
    const { flags } = await this.parse(LabDown)
    const result = await stopLab({ home: lastmileHome(), purge: flags.purge })
    for (const w of result.warnings) this.warn(w)
    return result
  }

  protected display(r: StopLabResult): string {
    return formatStop(r)
  }
}
