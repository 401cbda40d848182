import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError, UsageError } from '../cli/errors.js'
import type { CloudOutputs } from './outputs.js'
import { desiredState, validateDesired } from './desired/index.js'
import { defaultRenderDir, prepareInfra, type InfraContextOptions } from './prepare.js'
import { GENERATED_MARK, renderFiles } from './render.js'
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
}

const RENDERED = /^(system|town-[a-z][a-z0-9-]*)\.yaml$/

/**
 * `infra render`: the desired objects as YAML, no Pulumi engine needed. Every
 * object is validated first (exit 3 with every problem); secrets appear only as
 * ExternalSecrets or empty placeholders.
 */
/** The file starts with the header `infra render` writes (its second line). */
async function isOurs(file: string): Promise<boolean> {
  const head = await readFile(file, 'utf8').then((t) => t.slice(0, 512), () => '')
  return head.split('\n')[1] === GENERATED_MARK
}

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
  const keep = new Set(files.map((f) => f.file))
  const existing = (await readdir(out)).filter((name) => RENDERED.test(name)).sort()
  // Only files an earlier render wrote are replaced or deleted: a hand-written town-x.yaml or
  // system.yaml in the folder is someone's work. Checked before anything is written.
  const foreign: string[] = []
  for (const name of existing) if (!(await isOurs(path.join(out, name)))) foreign.push(name)
  if (foreign.length > 0) {
    throw new UsageError(
      `--out ${out} holds ${foreign.join(', ')}, which \`lastmile infra render\` did not write; refusing to replace or delete ${foreign.length === 1 ? 'it' : 'them'} (nothing was written)`,
      'Give --out a folder of its own (new, empty, or an earlier `infra render` output), or move those files away.',
    )
  }
  for (const f of files) await writeFileAtomic(path.join(out, f.file), f.text)
  const removed: string[] = []
  for (const name of existing) {
    if (!keep.has(name)) {
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
