import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { InputProblem } from '../../../src/cli/errors.js'
import { validateInventory } from '../../../src/inventory/validate.js'

export const REPO = path.resolve(import.meta.dirname, '../../..')
export const MINI = path.join(REPO, 'tests/fixtures/inventory-mini')
export const REAL = path.join(REPO, 'inventory/qingcheng')

const made: string[] = []

/** A private copy of the mini fixture (removed by `cleanupCopies`). */
export async function copyMini(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lastmile-inv-'))
  await cp(MINI, dir, { recursive: true })
  made.push(dir)
  return dir
}

export async function cleanupCopies(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })))
}

/**
 * Replaces `from` with `to` in one file of an inventory copy. Fails loudly if
 * `from` is not there, so a changed fixture cannot turn a case into a no-op.
 */
export async function replaceIn(dir: string, rel: string, from: string, to: string): Promise<void> {
  const file = path.join(dir, rel)
  const text = await readFile(file, 'utf8')
  if (!text.includes(from)) throw new Error(`test setup: '${from}' not found in ${rel}`)
  await writeFile(file, text.replace(from, to), 'utf8')
}

export async function writeIn(dir: string, rel: string, data: string | Buffer): Promise<void> {
  await writeFile(path.join(dir, rel), data)
}

export async function appendIn(dir: string, rel: string, text: string): Promise<void> {
  const file = path.join(dir, rel)
  await writeFile(file, (await readFile(file, 'utf8')) + text, 'utf8')
}

/** A problem with its file relative to the inventory, for readable assertions. */
export interface Found {
  severity: 'error' | 'warning'
  file?: string
  line?: number
  col?: number
  field?: string
  station?: string
  message: string
  rule?: string
}

export function relative(dir: string, p: InputProblem): Found {
  return {
    severity: p.severity,
    ...(p.position ? { file: path.relative(dir, p.position.file), line: p.position.line, col: p.position.col } : {}),
    ...(p.field ? { field: p.field } : {}),
    ...(p.station ? { station: p.station } : {}),
    message: p.message,
    ...((p as { rule?: string }).rule ? { rule: (p as { rule?: string }).rule } : {}),
  }
}

/** Runs `inventory validate`'s service on a directory with a controlled environment. */
export async function validate(dir: string, env: NodeJS.ProcessEnv = {}, secrets = true): Promise<{ valid: boolean; problems: Found[] }> {
  const r = await validateInventory({ inventoryDir: dir, env: { LASTMILE_AGE_IDENTITY: path.join(dir, 'no-identity.txt'), ...env }, secrets })
  return { valid: r.valid, problems: r.problems.map((p) => relative(dir, p)) }
}
