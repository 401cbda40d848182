import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags } from '../../cloud/command-support.js'
import { runInfra, type InfraRunResult } from '../../cloud/infra-run.js'
import { askYesNo } from '../../cloud/prompt.js'

export default class InfraDestroy extends BaseCommand<InfraRunResult> {
  static override summary = 'Delete every resource of the stack from the cluster (pulumi destroy).'
  static override description = 'Removes the town namespaces (and everything in them), the hub, monitoring and the portal. Stations lose their tunnel. Asks first in a terminal; in CI or without a terminal it needs --yes.'
  static override examples = ['<%= config.bin %> infra destroy --stack lab', '<%= config.bin %> infra destroy --stack prod --yes --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory, yes: infraFlags.yes }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraDestroy)
    return runInfra('destroy', {
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
