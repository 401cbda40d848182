import { UsageError } from '../cli/errors.js'
import { statePaths } from '../state/paths.js'
import { outputsFromStack, StackOutputsError, type CloudOutputs } from './outputs.js'
import { locatePulumi, type PulumiLocator } from './pulumi/cli.js'
import type { InfraOperation } from './pulumi/stack.js'
import { detectInteractive, prepareInfra, type InfraContext, type InfraContextOptions } from './prepare.js'

export type { InfraOperation } from './pulumi/stack.js'

export interface InfraRunOptions extends InfraContextOptions {
  /** Confirms `up`/`destroy` up front; required when nobody can be asked (CI, no TTY). */
  yes?: boolean
  /** Default: not CI and stdin/stderr are terminals. */
  interactive?: boolean
  /** Asked before `up`/`destroy` without --yes in an interactive session. */
  confirm?: (question: string) => Promise<boolean>
  /** Pulumi's progress text (the command streams it to stderr in human mode). */
  onOutput?: (text: string) => void
  /** Where the Pulumi CLI is (tests: a stand-in). */
  pulumi?: PulumiLocator
}

export interface InfraRunResult {
  stack: string
  operation: InfraOperation
  /** The backend holding the state (credentials hidden). */
  backend: string
  inventory: string
  /** `declined`: an interactive user said no after the preview; nothing changed. */
  status: 'done' | 'declined'
  /** Resource count by operation (create, update, delete, same, …). */
  changes: Record<string, number>
  /** Stack outputs after `up` (secret ones masked). */
  outputs?: Record<string, unknown>
  /** What stations will use, after `up`. */
  cloud?: CloudOutputs
}

const MUTATING: ReadonlySet<InfraOperation> = new Set(['up', 'destroy'])

/**
 * `infra preview|up|refresh|destroy` through the Automation API on the local
 * program in stacks/district. Order matters: the CLI is looked for first (exit 6
 * before any work), then the --yes guard (exit 2), then stack config and
 * inventory (exit 2/3), then Pulumi.
 */
export async function runInfra(operation: InfraOperation, o: InfraRunOptions): Promise<InfraRunResult> {
  const env = o.env ?? process.env
  const location = locatePulumi(env, o.pulumi)
  const interactive = o.interactive ?? detectInteractive(env)
  if (MUTATING.has(operation) && !o.yes && !interactive) {
    throw new UsageError(
      `infra ${operation} changes the cluster of stack ${o.stack}; in CI or without a terminal it needs --yes`,
      `Run \`lastmile infra preview --stack ${o.stack}\` to see the changes, then \`lastmile infra ${operation} --stack ${o.stack} --yes\`.`,
    )
  }
  const ctx = await prepareInfra({ ...o, env })
  const { openStack, backendEnv, runOperation, displayBackend } = await import('./pulumi/stack.js')
  const backend = await backendEnv(env, statePaths.pulumi(ctx.home), ctx.inventoryDir)
  requirePassphrase(ctx, backend.backend)

  const stack = await openStack({ stack: o.stack, root: ctx.root, location, skipVersionCheck: o.pulumi?.skipVersionCheck ?? false, backend, create: operation === 'preview' || operation === 'up' })
  const hooks = o.onOutput ? { onOutput: o.onOutput } : {}
  const base = { stack: o.stack, operation, backend: displayBackend(backend.backend), inventory: ctx.inventoryDir }

  if (MUTATING.has(operation) && !o.yes) {
    const planned = await runOperation(stack, operation === 'up' ? 'preview' : 'destroy-preview', hooks, backend.backend)
    const ok = (await o.confirm?.(`${operation === 'up' ? 'Apply these changes to' : 'Destroy every resource of'} stack ${o.stack}?`)) ?? false
    if (!ok) return { ...base, status: 'declined', changes: planned.changes }
  }

  const r = await runOperation(stack, operation, hooks, backend.backend)
  const result: InfraRunResult = { ...base, status: 'done', changes: r.changes }
  if (r.outputs) {
    result.outputs = r.outputs
    result.cloud = cloudFromStack(r.outputs, ctx)
  }
  return result
}

/** Maps stack outputs for stations; a stack without them is a usage problem, not a crash. */
export function cloudFromStack(outputs: Record<string, unknown>, ctx: Pick<InfraContext, 'inventory' | 'stack'>): CloudOutputs {
  try {
    return outputsFromStack(outputs, ctx.inventory)
  } catch (err) {
    if (err instanceof StackOutputsError) throw new UsageError(`stack ${ctx.stack.stack}: ${err.message}`, `Run \`lastmile infra up --stack ${ctx.stack.stack}\` so the stack exports what stations need.`)
    throw err
  }
}

/**
 * Self-managed backends (file://, s3://, …) encrypt stack secrets with a
 * passphrase by default; without one Pulumi fails half way with a less clear message.
 */
function requirePassphrase(ctx: InfraContext, backend: string): void {
  if (backend.startsWith('https://') || ctx.stack.secretsProvider) return
  if (ctx.env.PULUMI_CONFIG_PASSPHRASE !== undefined || ctx.env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) return
  throw new UsageError(
    `PULUMI_CONFIG_PASSPHRASE is not set: the ${backend.startsWith('file://') ? 'local file' : 'self-managed'} backend ${backend} encrypts the stack's state with a passphrase`,
    'Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack\'s passphrase (in CI: a secret variable; the same value every run; an empty value works for the lab but protects nothing), or use a backend with its own secrets provider (PULUMI_BACKEND_URL).',
  )
}
