import path from 'node:path'
import { InvalidInputError, type InputProblem } from '../cli/errors.js'
import { loadInventory, loadInventoryOrThrow } from './loader.js'
import { crossCheck, sortProblems } from './cross-checks.js'
import { activeStations, type Inventory } from './model.js'

export interface ValidateOptions {
  inventoryDir: string
  env?: NodeJS.ProcessEnv
  /** Resolve secret refs (default true); false skips the secrets rule. */
  secrets?: boolean
}

export interface FileCount {
  /** Path relative to the inventory directory (or as given when outside it). */
  file: string
  errors: number
  warnings: number
}

export interface ValidateResult {
  inventory: string
  valid: boolean
  errors: number
  warnings: number
  towns: number
  stations: number
  /** Committees kept without a station (hasStation: false). */
  withoutStation: number
  /** Problems per file, in file order. */
  files: FileCount[]
  /** Secret refs that did not resolve (warnings of rule secrets.unresolved). */
  unresolvedSecrets: number
  problems: InputProblem[]
}

/** Load, check shapes, then cross-check; report every problem at once, sorted by file:line. */
export async function validateInventory(opts: ValidateOptions): Promise<ValidateResult> {
  const { inventory, problems: loadProblems } = await loadInventory(opts.inventoryDir)
  const problems = [...loadProblems]
  if (inventory) problems.push(...(await crossCheck(inventory, { env: opts.env ?? process.env, secrets: opts.secrets })))
  const sorted = sortProblems(problems)
  const errors = sorted.filter((p) => p.severity === 'error').length
  return {
    inventory: opts.inventoryDir,
    valid: errors === 0,
    errors,
    warnings: sorted.length - errors,
    towns: inventory?.towns.length ?? 0,
    stations: inventory ? activeStations(inventory).length : 0,
    withoutStation: inventory ? inventory.stations.length - activeStations(inventory).length : 0,
    files: countByFile(opts.inventoryDir, sorted),
    unresolvedSecrets: sorted.filter((p) => (p as { rule?: string }).rule === 'secrets.unresolved').length,
    problems: sorted,
  }
}

function countByFile(dir: string, problems: readonly InputProblem[]): FileCount[] {
  const byFile = new Map<string, FileCount>()
  for (const p of problems) {
    const abs = p.position?.file
    const file = abs ? (path.relative(dir, abs).startsWith('..') ? abs : path.relative(dir, abs)) : '(inventory)'
    const c = byFile.get(file) ?? { file, errors: 0, warnings: 0 }
    if (p.severity === 'error') c.errors++
    else c.warnings++
    byFile.set(file, c)
  }
  return [...byFile.values()]
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** `towns/yuantan.yaml: 2 errors, 1 warning; operators.yaml: 1 error`. */
export function describeFileCounts(files: readonly FileCount[]): string {
  return files
    .map((f) => `${f.file}: ${[f.errors ? plural(f.errors, 'error') : '', f.warnings ? plural(f.warnings, 'warning') : ''].filter(Boolean).join(', ')}`)
    .join('; ')
}

/**
 * Load and cross-check (without resolving secrets): the inventory every
 * command that acts on stations should start from. Throws InvalidInputError
 * (exit 3) listing every error; returns the warnings for the caller to show.
 */
export async function loadValidInventory(dir: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ inventory: Inventory; warnings: InputProblem[] }> {
  const { inventory, warnings } = await loadInventoryOrThrow(dir)
  const problems = await crossCheck(inventory, { env: opts.env ?? process.env, secrets: false })
  const errors = problems.filter((p) => p.severity === 'error')
  if (errors.length > 0) {
    throw new InvalidInputError(`the inventory in ${dir} has ${plural(errors.length, 'error')}`, sortProblems([...warnings, ...problems]), 'Fix each file:line above (`lastmile inventory validate` shows them too), then run the command again.')
  }
  return { inventory, warnings: sortProblems([...warnings, ...problems]) }
}
