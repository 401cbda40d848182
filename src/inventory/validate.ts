import type { InputProblem } from '../cli/errors.js'
import { loadInventory } from './loader.js'
import { crossCheck } from './cross-checks.js'
import { activeStations } from './model.js'

export interface ValidateOptions {
  inventoryDir: string
  env?: NodeJS.ProcessEnv
}

export interface ValidateResult {
  inventory: string
  valid: boolean
  errors: number
  warnings: number
  towns: number
  stations: number
  problems: InputProblem[]
}

/** Load, check shapes, then cross-check; report every problem at once. */
export async function validateInventory(opts: ValidateOptions): Promise<ValidateResult> {
  const { inventory, problems } = await loadInventory(opts.inventoryDir)
  if (inventory) problems.push(...(await crossCheck(inventory, { env: opts.env ?? process.env })))
  const errors = problems.filter((p) => p.severity === 'error').length
  return {
    inventory: opts.inventoryDir,
    valid: errors === 0,
    errors,
    warnings: problems.length - errors,
    towns: inventory?.towns.length ?? 0,
    stations: inventory ? activeStations(inventory).length : 0,
    problems,
  }
}
