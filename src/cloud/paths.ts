import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The repository (or installed package) root: this file is `src/cloud/paths.ts`
 * or `dist/cloud/paths.js`, two levels below it either way.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The Pulumi project of the district (Pulumi.yaml, Pulumi.<stack>.yaml, index.ts). */
export function stackDir(root: string = PACKAGE_ROOT): string {
  return path.join(root, 'stacks', 'district')
}

export function stackConfigFile(stack: string, root: string = PACKAGE_ROOT): string {
  return path.join(stackDir(root), `Pulumi.${stack}.yaml`)
}
