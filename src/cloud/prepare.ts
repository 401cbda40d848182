import path from 'node:path'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import type { Inventory } from '../inventory/model.js'
import { lastmileHome, statePaths } from '../state/paths.js'
import { PACKAGE_ROOT } from './paths.js'
import { readStackFile, type StackFile } from './stack-config.js'

/** What every `infra` service shares: where things are and what they act on. */
export interface InfraContextOptions {
  stack: string
  /** Inventory folder (relative to cwd); default: the stack config's `inventory` (relative to the repository). */
  inventoryDir?: string
  /** An inventory already loaded by the caller (rollout); wins over inventoryDir. */
  inventory?: Inventory
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Repository root holding stacks/district (tests point it elsewhere). */
  root?: string
}

export interface InfraContext {
  stack: StackFile
  inventory: Inventory
  /** Absolute inventory folder, as the Pulumi program will read it. */
  inventoryDir: string
  env: NodeJS.ProcessEnv
  cwd: string
  root: string
  /** `.lastmile/` (or $LASTMILE_HOME). */
  home: string
}

/** Reads the stack config and the inventory (exit 2 for an unknown stack, 3 for problems in either). */
export async function prepareInfra(o: InfraContextOptions): Promise<InfraContext> {
  const env = o.env ?? process.env
  const cwd = o.cwd ?? process.cwd()
  const root = o.root ?? PACKAGE_ROOT
  const stack = await readStackFile(o.stack, root)
  let inventory = o.inventory
  let inventoryDir: string
  if (inventory) inventoryDir = path.resolve(cwd, inventory.dir)
  else {
    inventoryDir = o.inventoryDir ? path.resolve(cwd, o.inventoryDir) : path.resolve(root, stack.config.inventory)
    inventory = (await loadInventoryOrThrow(inventoryDir)).inventory
  }
  return { stack, inventory, inventoryDir, env, cwd, root, home: lastmileHome(env, cwd) }
}

export function defaultRenderDir(ctx: Pick<InfraContext, 'home' | 'stack'>): string {
  return path.join(statePaths.cloud(ctx.home), ctx.stack.stack)
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false'
}

/** A person at a terminal who can answer a question (not CI, stdin and stderr are TTYs). */
export function detectInteractive(env: NodeJS.ProcessEnv): boolean {
  return !isCI(env) && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
}
