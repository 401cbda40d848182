import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags } from '../../cloud/command-support.js'
import { runInfra, type InfraRunResult } from '../../cloud/infra-run.js'

export default class InfraPreview extends BaseCommand<InfraRunResult> {
  static override summary = 'Show what `infra up` would change on the cluster (pulumi preview).'
  static override description = 'Computes the desired objects from the inventory and the stack config and asks Pulumi what it would create, update or delete. Changes nothing. Needs the Pulumi CLI (exit 6 without it; `infra render` works without).'
  static override examples = ['<%= config.bin %> infra preview --stack prod', '<%= config.bin %> infra preview --stack lab --inventory tests/fixtures/inventory-mini --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraPreview)
    return runInfra('preview', {
      stack: flags.stack,
      ...(flags.inventory ? { inventoryDir: flags.inventory } : {}),
      // Pulumi's live progress goes to stderr for people; --json output stays a single envelope.
      ...(this.jsonEnabled() ? {} : { onOutput: (text: string) => void process.stderr.write(text) }),
    })
  }

  protected display(r: InfraRunResult): string {
    return displayRun(r)
  }
}
