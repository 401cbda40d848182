import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { displayRender, infraFlags } from '../../cloud/command-support.js'
import { infraRender, type InfraRenderResult } from '../../cloud/infra-render.js'

export default class InfraRender extends BaseCommand<InfraRenderResult> {
  static override summary = 'Write the desired Kubernetes objects as YAML (no Pulumi needed): for GitOps, review or kubectl.'
  static override description = 'Writes DIR/system.yaml (cluster-wide objects and lastmile-system) and DIR/town-<slug>.yaml per town: multi-document YAML in apply order, the same objects `infra up` creates, each validated first (exit 3 with every problem). Secrets appear only as ExternalSecrets or empty placeholder Secrets, never with values. Files of towns no longer in the inventory are removed.'
  static override examples = ['<%= config.bin %> infra render --stack prod --out deploy/prod', '<%= config.bin %> infra render --stack lab --inventory tests/fixtures/inventory-mini --json']
  static override flags = {
    stack: infraFlags.stack,
    inventory: infraFlags.inventory,
    out: Flags.string({ char: 'o', summary: 'Output directory (default .lastmile/cloud/<stack>).' }),
  }

  protected async execute(): Promise<InfraRenderResult> {
    const { flags } = await this.parse(InfraRender)
    return infraRender({ stack: flags.stack, ...(flags.inventory ? { inventoryDir: flags.inventory } : {}), ...(flags.out ? { out: flags.out } : {}) })
  }

  protected display(r: InfraRenderResult): string {
    return displayRender(r)
  }
}
