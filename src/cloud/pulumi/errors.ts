import { ConcurrentUpdateError, CommandError, StackAlreadyExistsError, StackNotFoundError } from '@pulumi/pulumi/automation/index.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { LastmileError, LockedError, MissingDependencyError, UsageError } from '../../cli/errors.js'
import { missingPulumiError } from './cli.js'

export interface PulumiErrorContext {
  stack: string
  operation: string
  backend: string
}

/** The last lines Pulumi printed on stderr (CommandError keeps them in its message). */
function stderrTail(err: Error, lines = 12): string {
  const m = /stderr: ([\s\S]*?)\n err\?:/.exec(err.message)
  const text = (m?.[1] ?? err.message).trim()
  return text.split('\n').slice(-lines).join('\n')
}

/**
 * The one place Pulumi's errors become lastmile's: a missing CLI is exit 6, a
 * locked stack exit 7, an unknown stack a usage error; any other failed
 * operation exits 4 (resources may have changed part way).
 */
export function mapPulumiError(err: unknown, ctx: PulumiErrorContext): Error {
  if (err instanceof LastmileError) return err
  if (!(err instanceof Error)) return new Error(String(err))
  if (/spawn \S*pulumi ENOENT/.test(err.message) || (err instanceof CommandError && /ENOENT/.test(err.message) && /pulumi/.test(err.message))) {
    return missingPulumiError()
  }
  if (/Minimum version requirement failed|Major version mismatch/.test(err.message)) {
    return new MissingDependencyError(`the installed Pulumi CLI does not fit the SDK lastmile uses: ${err.message}`, `Update the Pulumi CLI (https://www.pulumi.com/docs/install/), or use \`lastmile infra render --stack ${ctx.stack}\`.`)
  }
  if (err instanceof ConcurrentUpdateError || err.name === 'ConcurrentUpdateError') {
    return new LockedError(
      `stack ${ctx.stack} is locked: another update is running on it (backend ${ctx.backend})`,
      `Wait for the other \`lastmile infra\`/\`pulumi\` run to finish. If it crashed, check nobody else is running, then \`pulumi cancel --stack ${ctx.stack}\` (Pulumi Cloud) or delete the lock under the backend's .pulumi/locks/ (file backend), and run \`lastmile infra refresh --stack ${ctx.stack}\`.`,
    )
  }
  if (err instanceof StackNotFoundError || err.name === 'StackNotFoundError') {
    return new UsageError(`stack ${ctx.stack} does not exist in ${ctx.backend}`, `Create it with \`lastmile infra preview --stack ${ctx.stack}\` or \`lastmile infra up --stack ${ctx.stack}\`; or point PULUMI_BACKEND_URL at the backend that holds it.`)
  }
  if (err instanceof StackAlreadyExistsError || err.name === 'StackAlreadyExistsError') {
    return new UsageError(`stack ${ctx.stack} already exists in ${ctx.backend}`, 'Select it instead of creating it.')
  }
  if (err instanceof CommandError || err.name === 'CommandError') {
    return new LastmileError(`pulumi ${ctx.operation} failed on stack ${ctx.stack}:\n${stderrTail(err)}`, {
      exitCode: ExitCode.PartialFailure,
      code: 'pulumi-failed',
      hint: ctx.operation === 'preview' ? 'Fix what Pulumi reports above (cluster reachable? kube context right?), then run the preview again.' : `Some resources may have changed. Read Pulumi's output above, fix the cause, then run \`lastmile infra refresh --stack ${ctx.stack}\` and \`lastmile infra ${ctx.operation} --stack ${ctx.stack}\` again.`,
      cause: err,
    })
  }
  return err
}
