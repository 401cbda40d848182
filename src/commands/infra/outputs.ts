import { BaseCommand } from '../../cli/base-command.js'
import { displayOutputs, infraFlags } from '../../cloud/command-support.js'
import { infraOutputs, type InfraOutputsResult } from '../../cloud/infra-outputs.js'

export default class InfraOutputs extends BaseCommand<InfraOutputsResult> {
  static override summary = 'Show what stations get from the cloud side: hub endpoint and key, portal, monitoring.'
  static override description = 'Reads the deployed stack\'s outputs. Without the Pulumi CLI it computes them from the inventory and the stack config instead, and says so (a warning, exit 0).'
  static override examples = ['<%= config.bin %> infra outputs --stack prod', '<%= config.bin %> infra outputs --stack lab --json']
  static override flags = { stack: infraFlags.stack, inventory: infraFlags.inventory }

  protected async execute(): Promise<InfraOutputsResult> {
    const { flags } = await this.parse(InfraOutputs)
    const r = await infraOutputs({ stack: flags.stack, ...(flags.inventory ? { inventoryDir: flags.inventory } : {}) })
    if (r.notice) this.warn(r.notice)
    return r
  }

  protected display(r: InfraOutputsResult): string {
    return displayOutputs(r)
  }
}
