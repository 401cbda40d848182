import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError } from '../cli/errors.js'
import type { CloudOutputs } from './outputs.js'
import { desiredState, validateDesired } from './desired/index.js'
import { defaultRenderDir, prepareInfra, type InfraContextOptions } from './prepare.js'
import { renderFiles } from './render.js'

export interface InfraRenderOptions extends InfraContextOptions {
  /** Output folder; default `.lastmile/cloud/<stack>/`. */
  out?: string
}

export interface InfraRenderResult {
  stack: string
  inventory: string
  out: string
  files: Array<{ file: string; objects: number; sha256: string }>
  objects: number
  /** Files of an earlier render that no longer belong (a town removed): deleted, so GitOps prunes them. */
  removed: string[]
  outputs: CloudOutputs
}

const RENDERED = /^(system|town-[a-z][a-z0-9-]*)\.yaml$/

/**
 * `infra render`: the desired objects as YAML, no Pulumi engine needed. Every
 * object is validated first (exit 3 with every problem); secrets appear only as
 * ExternalSecrets or empty placeholders.
 */
export async function infraRender(o: InfraRenderOptions): Promise<InfraRenderResult> {
  const ctx = await prepareInfra(o)
  const state = desiredState(ctx.inventory, ctx.stack.config)
  const problems = validateDesired(state.objects)
  if (problems.length > 0) {
    throw new InvalidInputError(
      `${problems.length} desired Kubernetes object${problems.length === 1 ? ' is' : 's are'} not valid`,
      problems.map((p) => ({ severity: 'error', message: `${p.object}: ${p.message}`, ...(p.field ? { field: p.field } : {}) })),
      'These come from the inventory and the stack config: fix the value named above. If the inventory is valid, this is a bug in lastmile: please report it.',
    )
  }
  const out = o.out ? path.resolve(ctx.cwd, o.out) : defaultRenderDir(ctx)
  await mkdir(out, { recursive: true })
  const files = renderFiles(state)
  for (const f of files) {
    const tmp = path.join(out, `.${f.file}.tmp`)
    await writeFile(tmp, f.text)
    await rename(tmp, path.join(out, f.file))
  }
  const keep = new Set(files.map((f) => f.file))
  const removed: string[] = []
  for (const name of (await readdir(out)).sort()) {
    if (RENDERED.test(name) && !keep.has(name)) {
      await rm(path.join(out, name))
      removed.push(name)
    }
  }
  return {
    stack: ctx.stack.stack,
    inventory: ctx.inventoryDir,
    out,
    files: files.map((f) => ({ file: f.file, objects: f.objects.length, sha256: f.sha256 })),
    objects: state.objects.length,
    removed,
    outputs: state.outputs,
  }
}
