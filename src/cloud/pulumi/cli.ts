import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'
import { MissingDependencyError } from '../../cli/errors.js'

export const PULUMI_INSTALL_URL = 'https://www.pulumi.com/docs/install/'

/**
 * Where the Pulumi CLI is, and how to call it. `root` is a folder with
 * `bin/pulumi` (how the Automation API's `PulumiCommand.get({root})` takes it);
 * tests pass a stand-in there.
 */
export interface PulumiLocation {
  executable: string
  root?: string
}

/** Test and power-user overrides of how the CLI is found. */
export interface PulumiLocator {
  /** A folder with `bin/pulumi` to use instead of searching PATH. */
  root?: string
  /** Skip the Automation API's minimum CLI version check (stand-in scripts in tests). */
  skipVersionCheck?: boolean
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `which`, without spawning anything: the first executable `name` on `env.PATH`. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const file = path.join(dir, name)
    if (isExecutableFile(file)) return file
  }
  return undefined
}

/**
 * Finds the `pulumi` CLI before anything else is done: on PATH, or where the
 * official installer puts it (`~/.pulumi/bin`, which it adds to PATH only for
 * new shells). Throws MissingDependencyError (exit 6) when there is none.
 */
export function locatePulumi(env: NodeJS.ProcessEnv, locator: PulumiLocator = {}): PulumiLocation {
  if (locator.root) {
    const executable = path.join(locator.root, 'bin', 'pulumi')
    if (isExecutableFile(executable)) return { executable, root: locator.root }
    throw missingPulumiError(`${executable} is not an executable`)
  }
  const found = findOnPath('pulumi', env) ?? (env.HOME && isExecutableFile(path.join(env.HOME, '.pulumi', 'bin', 'pulumi')) ? path.join(env.HOME, '.pulumi', 'bin', 'pulumi') : undefined)
  if (!found) throw missingPulumiError()
  // PulumiCommand.get({root}) runs `<root>/bin/pulumi`; only usable when the CLI sits in a bin/ folder.
  const dir = path.dirname(found)
  return path.basename(dir) === 'bin' ? { executable: found, root: path.dirname(dir) } : { executable: found }
}

/** The one message for "no Pulumi CLI": what is missing, how to install it, what works without it. */
export function missingPulumiError(detail?: string): MissingDependencyError {
  return new MissingDependencyError(
    `the Pulumi CLI is not installed${detail ? ` (${detail})` : ' (no `pulumi` on PATH)'}: \`lastmile infra\` drives the cluster through it`,
    `Install it (${PULUMI_INSTALL_URL}): \`curl -fsSL https://get.pulumi.com | sh\`, or your OS package (e.g. \`brew install pulumi\`), then open a new shell. ` +
      'Without it, `lastmile infra render --stack S --out DIR` writes the same Kubernetes objects as YAML (for kubectl or GitOps), and `lastmile infra outputs` falls back to the inventory.',
  )
}
