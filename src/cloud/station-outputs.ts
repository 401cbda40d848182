import type { Inventory } from '../inventory/model.js'
import { desiredOutputs } from './desired/index.js'
import { infraOutputs } from './infra-outputs.js'
import type { CloudOutputs } from './outputs.js'
import { prepareInfra } from './prepare.js'

export interface StationCloudOutputs {
  outputs: CloudOutputs
  notice?: string
}

/**
 * The cloud values station configs are rendered with, without changing the
 * cloud: the deployed stack's outputs when the Pulumi CLI is here, else what
 * the inventory and stack config say. `push` and `plan` use this so they
 * render exactly what the last `rollout` (which runs `infra up`) rendered;
 * anything else would make two commands flip a station's config back and forth.
 * The lab never reads a deployed stack.
 */
export async function stationCloudOutputs(o: { inventory: Inventory; stack: string; lab: boolean; env: NodeJS.ProcessEnv }): Promise<StationCloudOutputs> {
  if (o.lab) {
    const ctx = await prepareInfra({ stack: o.stack, inventory: o.inventory, env: o.env })
    return { outputs: desiredOutputs(ctx.inventory, ctx.stack.config) }
  }
  const r = await infraOutputs({ stack: o.stack, inventory: o.inventory, env: o.env })
  return { outputs: r.cloud, ...(r.notice ? { notice: r.notice } : {}) }
}
