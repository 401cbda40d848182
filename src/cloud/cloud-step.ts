import { LastmileError, MissingDependencyError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import type { Inventory } from '../inventory/model.js'
import { infraRender } from './infra-render.js'
import { runInfra } from './infra-run.js'
import type { CloudOutputs } from './outputs.js'
import { locatePulumi, type PulumiLocator } from './pulumi/cli.js'

export interface CloudStepOptions {
  /** Stack name (stacks/district/Pulumi.<stack>.yaml). */
  stack: string
  /** The inventory the rollout works on (the program reads the same folder). */
  inventory: Inventory
  /** The rollout's --yes: `up` changes the cluster. */
  yes: boolean
  interactive?: boolean
  confirm?: (question: string) => Promise<boolean>
  env?: NodeJS.ProcessEnv
  cwd?: string
  root?: string
  /** Render folder when there is no Pulumi CLI; default `.lastmile/cloud/<stack>/`. */
  outDir?: string
  onOutput?: (text: string) => void
  pulumi?: PulumiLocator
}

export interface CloudStepResult {
  outputs: CloudOutputs
  /** `pulumi-up`: the stack was brought up to date; `rendered`: no Pulumi CLI, YAML written instead. */
  mode: 'pulumi-up' | 'rendered'
  /** For the rollout's report when mode is `rendered`: what happened and what to do. */
  notice?: string
  /** `rendered`: the folder with system.yaml and town-*.yaml. */
  renderedTo?: string
  /** `pulumi-up`: resource changes by operation. */
  changes?: Record<string, number>
}

/**
 * The cloud step of a rollout: `infra up` when the Pulumi CLI is here (then
 * outputs come from the stack), else render the objects to YAML and use the
 * outputs the inventory and stack config give, with a notice saying so.
 * Errors of a real `up` (locked stack, failed update) are thrown, not hidden.
 */
export async function cloudStep(o: CloudStepOptions): Promise<CloudStepResult> {
  const env = o.env ?? process.env
  const common = { stack: o.stack, inventory: o.inventory, env, ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.root ? { root: o.root } : {}) }
  try {
    locatePulumi(env, o.pulumi)
  } catch (err) {
    if (!(err instanceof MissingDependencyError)) throw err
    const r = await infraRender({ ...common, ...(o.outDir ? { out: o.outDir } : {}) })
    return {
      outputs: r.outputs,
      mode: 'rendered',
      renderedTo: r.out,
      notice: `The Pulumi CLI is not installed: the cloud side was not changed. Its ${r.objects} objects were written to ${r.out} (apply them with \`kubectl apply -f ${r.out}\` or your GitOps tool), and stations get the hub and portal addresses from the inventory and stack config.`,
    }
  }
  const r = await runInfra('up', {
    ...common,
    yes: o.yes,
    ...(o.interactive === undefined ? {} : { interactive: o.interactive }),
    ...(o.confirm ? { confirm: o.confirm } : {}),
    ...(o.onOutput ? { onOutput: o.onOutput } : {}),
    ...(o.pulumi ? { pulumi: o.pulumi } : {}),
  })
  if (r.status === 'declined' || !r.cloud) {
    throw new LastmileError(`infra up on stack ${o.stack} was declined: the rollout needs the cloud side first`, { exitCode: ExitCode.Aborted, code: 'declined', hint: 'Run the rollout again and accept the cloud changes, or pass --yes.' })
  }
  return { outputs: r.cloud, mode: 'pulumi-up', changes: r.changes }
}
