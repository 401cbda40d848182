import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags, runInfraCommand } from '../../cloud/command-support.js'
import type { InfraRunResult } from '../../cloud/infra-run.js'

export default class InfraRefresh extends BaseCommand<InfraRunResult> {
  static override summary = "Read the cluster's actual state into the stack (pulumi refresh)."
  static override description = "Updates the stack's record of each resource from the cluster, e.g. after someone changed it with kubectl. Changes nothing on the cluster."
  static override examples = ['<%= config.bin %> infra refresh --stack prod', '<%= config.bin %> infra refresh --stack lab --inventory tests/fixtures/inventory-mini --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraRefresh)
    return runInfraCommand('refresh', flags, this.jsonEnabled())
  }

  protected display(r: InfraRunResult): string {
    return displayRun(r)
  }
}
