import { BaseCommand } from '../../cli/base-command.js'
import { displayRun, infraFlags, runInfraCommand } from '../../cloud/command-support.js'
import type { InfraRunResult } from '../../cloud/infra-run.js'

export default class InfraPreview extends BaseCommand<InfraRunResult> {
  static override summary = 'Show what `infra up` would change on the cluster (pulumi preview).'
  static override description = 'Computes the desired objects from the inventory and the stack config and asks Pulumi what it would create, update or delete. Changes nothing. Needs the Pulumi CLI (exit 6 without it; `infra render` works without).'
  static override examples = ['<%= config.bin %> infra preview --stack prod', '<%= config.bin %> infra preview --stack lab --inventory tests/fixtures/inventory-mini --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory }

  protected async execute(): Promise<InfraRunResult> {
    const { flags } = await this.parse(InfraPreview)
    return runInfraCommand('preview', flags, this.jsonEnabled())
  }

  protected display(r: InfraRunResult): string {
    return displayRun(r)
  }
}
