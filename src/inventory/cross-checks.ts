import type { InputProblem } from '../cli/errors.js'
import type { Inventory } from './model.js'

export interface CrossCheckOptions {
  env: NodeJS.ProcessEnv
}

/** Rules no single-field schema can see. (Placeholder: filled in by the inventory work.) */
export async function crossCheck(_inv: Inventory, _opts: CrossCheckOptions): Promise<InputProblem[]> {
  return []
}
