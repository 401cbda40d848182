import { MissingDependencyError } from '../cli/errors.js'
import { statePaths } from '../state/paths.js'
import { desiredOutputs } from './desired/index.js'
import { cloudFromStack } from './infra-run.js'
import type { CloudOutputs } from './outputs.js'
import { PULUMI_INSTALL_URL, locatePulumi, type PulumiLocator } from './pulumi/cli.js'
import { prepareInfra, type InfraContextOptions } from './prepare.js'

export interface InfraOutputsOptions extends InfraContextOptions {
  pulumi?: PulumiLocator
}

export interface InfraOutputsResult {
  stack: string
  /** `pulumi-stack`: read from the deployed stack; `inventory`: computed (no Pulumi CLI here). */
  source: CloudOutputs['source']
  cloud: CloudOutputs
  /** The raw stack outputs (secret ones masked), when read from the stack. */
  stackOutputs?: Record<string, unknown>
  /** Why the outputs are not from the stack. */
  notice?: string
}

/** `infra outputs`: the deployed stack's outputs, or (no Pulumi CLI) what the inventory and stack config say. */
export async function infraOutputs(o: InfraOutputsOptions): Promise<InfraOutputsResult> {
  const env = o.env ?? process.env
  let location
  try {
    location = locatePulumi(env, o.pulumi)
  } catch (err) {
    if (!(err instanceof MissingDependencyError)) throw err
    const ctx = await prepareInfra({ ...o, env })
    return {
      stack: o.stack,
      source: 'inventory',
      cloud: desiredOutputs(ctx.inventory, ctx.stack.config),
      notice: `the Pulumi CLI is not installed, so these outputs come from the inventory (${ctx.inventoryDir}) and ${ctx.stack.file}, not from the deployed stack; install it (${PULUMI_INSTALL_URL}) to read the stack`,
    }
  }
  const ctx = await prepareInfra({ ...o, env })
  const { openStack, backendEnv, stackOutputs } = await import('./pulumi/stack.js')
  const backend = await backendEnv(env, statePaths.pulumi(ctx.home), ctx.inventoryDir)
  const stack = await openStack({ stack: o.stack, root: ctx.root, location, skipVersionCheck: o.pulumi?.skipVersionCheck ?? false, backend, create: false })
  const outputs = await stackOutputs(stack, backend.backend)
  return { stack: o.stack, source: 'pulumi-stack', cloud: cloudFromStack(outputs, ctx), stackOutputs: outputs }
}
