import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags, runInfraCommand } from '../../cloud/command-support.js'
import type { InfraRunResult } from '../../cloud/infra-run.js'

export default class InfraDestroy extends BaseCommand<InfraRunResult> {
  static override summary = 'Delete every resource of the stack from the cluster (pulumi destroy).'
  static override description = 'Removes the town namespaces (and everything in them), the hub, monitoring and the portal. Stations lose their tunnel. Asks first in a terminal; in CI or without a terminal it needs --yes.'
  static override examples = ['<%= config.bin %> infra destroy --stack lab', '<%= config.bin %> infra destroy --stack prod --yes --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory, yes: infraFlags.yes }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraDestroy)
    return runInfraCommand('destroy', flags, this.jsonEnabled())
  }

  protected display(r: InfraRunResult): string {
    return displayRun(r)
  }
}
