import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags, runInfraCommand } from '../../cloud/command-support.js'
import type { InfraRunResult } from '../../cloud/infra-run.js'

export default class InfraUp extends BaseCommand<InfraRunResult> {
  static override summary = 'Bring the cluster to the desired state (pulumi up).'
  static override description = 'Creates or updates the namespaces, RBAC, network policies, WireGuard hub, monitoring, station registry and village portal of the stack. Asks first in a terminal; in CI or without a terminal it needs --yes (exit 2 otherwise).'
  static override examples = ['<%= config.bin %> infra up --stack lab', '<%= config.bin %> infra up --stack prod --yes --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory, yes: infraFlags.yes }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraUp)
    return runInfraCommand('up', flags, this.jsonEnabled())
  }

  protected display(r: InfraRunResult): string {
    return displayRun(r)
  }
}
