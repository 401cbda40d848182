import { readFile, readdir } from 'node:fs/promises'
import { LineCounter, isNode, parseDocument } from 'yaml'
import { InvalidInputError, UsageError, type InputProblem } from '../cli/errors.js'
import { PROJECT, cloudConfigSchema, projectKeys, type CloudConfig } from './config.js'
import { stackConfigFile, stackDir } from './paths.js'

/** Stacks that have a `Pulumi.<stack>.yaml` in stacks/district. */
export async function listStacks(root?: string): Promise<string[]> {
  try {
    return (await readdir(stackDir(root)))
      .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort()
  } catch {
    return []
  }
}

export interface StackFile {
  stack: string
  file: string
  config: CloudConfig
  /** `secretsprovider:` of the stack file, when it is not the default passphrase provider. */
  secretsProvider?: string
}

/**
 * Reads `stacks/district/Pulumi.<stack>.yaml` without the Pulumi engine (for
 * `infra render` and before any Pulumi run), through the schema the program uses.
 */
export async function readStackFile(stack: string, root?: string): Promise<StackFile> {
  const file = stackConfigFile(stack, root)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    const known = await listStacks(root)
    throw new UsageError(
      `no stack config for stack '${stack}' (${file} does not exist)`,
      known.length > 0 ? `Use one of: ${known.map((s) => `--stack ${s}`).join(', ')}; or create ${file} (see docs/cloud.md).` : `Create ${file} (see docs/cloud.md).`,
    )
  }
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc })
  const at = (path: unknown[]): InputProblem['position'] => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true)
      if (isNode(node) && node.range) {
        const { line, col } = lc.linePos(node.range[0])
        return { file, line, col }
      }
    }
    return { file, line: 1, col: 1 }
  }
  if (doc.errors.length > 0) {
    throw new InvalidInputError(`${file} is not valid YAML`, doc.errors.map((e) => ({ severity: 'error', message: e.message.split('\n')[0] ?? e.message, position: { file, ...lc.linePos(e.pos[0]) } })))
  }
  const data = (doc.toJS() ?? {}) as { config?: Record<string, unknown>; secretsprovider?: string }
  const raw = projectKeys(data.config ?? {})
  const secure = Object.entries(raw).filter(([, v]) => typeof v === 'object' && v !== null && 'secure' in v)
  const parsed = cloudConfigSchema.safeParse(raw)
  const problems: InputProblem[] = secure.map(([k]) => ({ severity: 'error', field: `${PROJECT}:${k}`, position: at(['config', `${PROJECT}:${k}`]), message: 'encrypted (secure) values are not used by the district program: keys live in the secret store, not in stack config' }))
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [top, ...rest] = issue.path.map(String)
      problems.push({ severity: 'error', field: `${PROJECT}:${issue.path.join('.')}`, position: at(top === undefined ? ['config'] : ['config', `${PROJECT}:${top}`, ...rest]), message: issue.message })
    }
  }
  if (problems.length > 0 || !parsed.success) throw new InvalidInputError(`the stack config ${file} has ${problems.length} error${problems.length === 1 ? '' : 's'}`, problems, `Fix ${file}; the keys are described in docs/cloud.md.`)
  return { stack, file, config: parsed.data, ...(data.secretsprovider && !data.secretsprovider.startsWith('passphrase') ? { secretsProvider: data.secretsprovider } : {}) }
}
