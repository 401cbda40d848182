import { readFile } from 'node:fs/promises'
import { LastmileError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'

/**
 * The text of a state file under the lastmile home, or undefined when there is none. Any other
 * failure (a folder in its place, no permission) is an input error that names the file and says
 * what to do, never a crash.
 */
export async function readStateFile(file: string, hint: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new LastmileError(`cannot read ${file} (${code ?? (err as Error).message})`, { exitCode: ExitCode.InvalidInput, code: 'invalid-state', hint, cause: err })
  }
}
