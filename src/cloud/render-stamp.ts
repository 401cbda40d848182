import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { Inventory } from '../inventory/model.js'
import type { CloudConfig } from './config.js'
import type { CloudOutputs } from './outputs.js'
import { PACKAGE_ROOT } from './paths.js'

/**
 * What an `infra render` left in its folder, so the next one with the same inputs can skip the
 * work: building, validating and writing ~1,000 Kubernetes objects costs a third of a second of
 * the controller's one thread (the kubernetes-models schemas alone are 600 modules), and every
 * no-change `rollout --lab` used to pay it before its stations could be looked at.
 *
 * Same key and the folder still holding exactly the recorded files with the recorded hashes →
 * the render would write the same bytes, so nothing is done. The key covers everything the
 * render reads: the inventory, the stack config, lastmile's version and the code that builds
 * and writes the objects. Anything else (a file edited, added or removed by hand, another
 * version) → the full render, which also checks the folder for files it did not write.
 * The stamp has no .json/.yaml extension, so `kubectl apply -f <folder>` does not read it.
 */
export const STAMP_FILE = '.lastmile-render-stamp'

const stampSchema = z.object({
  key: z.string(),
  objects: z.number(),
  files: z.array(z.object({ file: z.string(), objects: z.number(), sha256: z.string() })),
  outputs: z.custom<CloudOutputs>((v) => typeof v === 'object' && v !== null),
})
export type RenderStamp = z.output<typeof stampSchema>

let codeHash: Promise<string> | undefined

/** The bytes of the modules that build and write the objects (src/ under tests, dist/ when installed). */
function cloudCodeHash(): Promise<string> {
  codeHash ??= (async () => {
    const here = path.dirname(fileURLToPath(import.meta.url))
    const h = createHash('sha256')
    for (const dir of [here, path.join(here, 'desired')]) {
      const names = (await readdir(dir)).filter((n) => /\.(js|ts)$/.test(n)).sort()
      for (const n of names) h.update(n).update('\0').update(await readFile(path.join(dir, n))).update('\0')
    }
    const pkg = await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8').catch(() => '')
    h.update((/"version"\s*:\s*"([^"]*)"/.exec(pkg) ?? [])[1] ?? '')
    return h.digest('hex')
  })()
  return codeHash
}

/** The inputs of a render as one hash. The inventory's YAML position index is not an input. */
export async function renderKey(inv: Inventory, config: CloudConfig): Promise<string> {
  const data = JSON.stringify({ inventory: inv, config }, (k, v: unknown) => (k === 'positions' ? undefined : v))
  return createHash('sha256').update(await cloudCodeHash()).update('\0').update(data).digest('hex')
}

/**
 * The stamp in `out` when it still describes the folder: the same key, and the rendered files
 * (`names`: the folder's system.yaml and town-*.yaml) exactly the recorded ones, byte for byte.
 */
export async function currentStamp(out: string, key: string, names: readonly string[]): Promise<RenderStamp | undefined> {
  let stamp: RenderStamp
  try {
    stamp = stampSchema.parse(JSON.parse(await readFile(path.join(out, STAMP_FILE), 'utf8')))
  } catch {
    return undefined
  }
  if (stamp.key !== key) return undefined
  const recorded = stamp.files.map((f) => f.file).sort()
  const found = [...names].sort()
  if (recorded.length !== found.length || recorded.some((n, i) => n !== found[i])) return undefined
  for (const f of stamp.files) {
    const bytes = await readFile(path.join(out, f.file)).catch(() => undefined)
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== f.sha256) return undefined
  }
  return stamp
}
