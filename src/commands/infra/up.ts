import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags } from '../../cloud/command-support.js'
import { runInfra, type InfraRunResult } from '../../cloud/infra-run.js'
import { askYesNo } from '../../cloud/prompt.js'

export default class InfraUp extends BaseCommand<InfraRunResult> {
  static override summary = 'Bring the cluster to the desired state (pulumi up).'
  static override description = 'Creates or updates the namespaces, RBAC, network policies, WireGuard hub, monitoring, station registry and village portal of the stack. Asks first in a terminal; in CI or without a terminal it needs --yes (exit 2 otherwise).'
  static override examples = ['<%= config.bin %> infra up --stack lab', '<%= config.bin %> infra up --stack prod --yes --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory, yes: infraFlags.yes }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraUp)
    return runInfra('up', {
      stack: flags.stack,
      ...(flags.inventory ? { inventoryDir: flags.inventory } : {}),
      yes: flags.yes,
      confirm: askYesNo,
      // --json is for machines: nobody reads a question there, so it needs --yes like CI.
      ...(this.jsonEnabled() ? { interactive: false } : {}),
      // Pulumi's live progress goes to stderr for people; --json output stays a single envelope.
      ...(this.jsonEnabled() ? {} : { onOutput: (text: string) => void process.stderr.write(text) }),
    })
  }

  protected display(r: InfraRunResult): string {
    return displayRun(r)
  }
}
