import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError, UsageError } from '../cli/errors.js'
import type { CloudOutputs } from './outputs.js'
import { defaultRenderDir, prepareInfra, type InfraContextOptions } from './prepare.js'
import { STAMP_FILE, currentStamp, renderKey } from './render-stamp.js'
import { writeFileAtomic } from '../util/write-atomic.js'

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
  /** The folder already held exactly these files for the same inputs: nothing was built or written. */
  unchanged?: boolean
}

const RENDERED = /^(system|town-[a-z][a-z0-9-]*)\.yaml$/

/**
 * `infra render`: the desired objects as YAML, no Pulumi engine needed. Every
 * object is validated first (exit 3 with every problem); secrets appear only as
 * ExternalSecrets or empty placeholders.
 */
/** The file starts with the header `infra render` writes (its second line). */
async function isOurs(file: string, mark: string): Promise<boolean> {
  const head = await readFile(file, 'utf8').then((t) => t.slice(0, 512), () => '')
  return head.split('\n')[1] === mark
}

export async function infraRender(o: InfraRenderOptions): Promise<InfraRenderResult> {
  const ctx = await prepareInfra(o)
  const out = o.out ? path.resolve(ctx.cwd, o.out) : defaultRenderDir(ctx)
  const key = await renderKey(ctx.inventory, ctx.stack.config)
  const present = await readdir(out).then((names) => names.filter((name) => RENDERED.test(name)), () => undefined)
  const stamp = present && (await currentStamp(out, key, present))
  if (stamp) return { stack: ctx.stack.stack, inventory: ctx.inventoryDir, out, files: stamp.files, objects: stamp.objects, removed: [], outputs: stamp.outputs, unchanged: true }

  // Loaded only when there is something to render: the object schemas are hundreds of modules.
  const [{ desiredState, validateDesired }, { GENERATED_MARK, renderFiles }] = await Promise.all([import('./desired/index.js'), import('./render.js')])
  const state = desiredState(ctx.inventory, ctx.stack.config)
  const problems = validateDesired(state.objects)
  if (problems.length > 0) {
    throw new InvalidInputError(
      `${problems.length} desired Kubernetes object${problems.length === 1 ? ' is' : 's are'} not valid`,
      problems.map((p) => ({ severity: 'error', message: `${p.object}: ${p.message}`, ...(p.field ? { field: p.field } : {}) })),
      'These come from the inventory and the stack config: fix the value named above. If the inventory is valid, this is a bug in lastmile: please report it.',
    )
  }
  await mkdir(out, { recursive: true })
  const files = renderFiles(state)
  const keep = new Set(files.map((f) => f.file))
  // The rendered files the folder held before (read once, above; mkdir adds none).
  const existing = [...(present ?? [])].sort()
  // Only files an earlier render wrote are replaced or deleted: a hand-written town-x.yaml or
  // system.yaml in the folder is someone's work. Checked before anything is written.
  const foreign: string[] = []
  for (const name of existing) if (!(await isOurs(path.join(out, name), GENERATED_MARK))) foreign.push(name)
  if (foreign.length > 0) {
    throw new UsageError(
      `--out ${out} holds ${foreign.join(', ')}, which \`lastmile infra render\` did not write; refusing to replace or delete ${foreign.length === 1 ? 'it' : 'them'} (nothing was written)`,
      'Give --out a folder of its own (new, empty, or an earlier `infra render` output), or move those files away.',
    )
  }
  // The old stamp goes before any file changes and the new one after the last: a crash in
  // between leaves no stamp, so the next render does the full work again.
  await rm(path.join(out, STAMP_FILE), { force: true })
  for (const f of files) await writeFileAtomic(path.join(out, f.file), f.text)
  const removed: string[] = []
  for (const name of existing) {
    if (!keep.has(name)) {
      await rm(path.join(out, name))
      removed.push(name)
    }
  }
  const recorded = files.map((f) => ({ file: f.file, objects: f.objects.length, sha256: f.sha256 }))
  await writeFileAtomic(path.join(out, STAMP_FILE), `${JSON.stringify({ key, objects: state.objects.length, files: recorded, outputs: state.outputs })}\n`)
  return {
    stack: ctx.stack.stack,
    inventory: ctx.inventoryDir,
    out,
    files: recorded,
    objects: state.objects.length,
    removed,
    outputs: state.outputs,
  }
}
