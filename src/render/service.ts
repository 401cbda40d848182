import { SECRET_MASK } from '../secrets/secret.js'
import path from 'node:path'
import { formatTable } from '../cli/table.js'
import type { InputProblem } from '../cli/errors.js'
import type { SecretLookup } from '../inventory/cross-checks.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import { planChannels24 } from './channels.js'
import { writeRenderOutput } from './output.js'
import { renderAll } from './render-all.js'

export interface RenderCommandOptions {
  inventoryDir: string
  out: string
  towns?: readonly string[]
  stations?: readonly string[]
  lab?: boolean
  env?: NodeJS.ProcessEnv
  templatesDir?: string
  resolver?: SecretLookup
}

export interface RenderCommandResult {
  inventory: string
  out: string
  stations: number
  files: number
  bytes: number
  towns: Array<{ code: string; name: string; slug: string; stations: number; files: number; bytes: number }>
  /** per file sha256; `‹secret›` for a file that holds a secret (its hash would let a weak one be guessed; the manifest.json beside the files has it) */
  results: Array<{ id: string; name: string; town: string; configId: string; files: Array<{ path: string; mode: string; sha256: string; size: number; reload: string }> }>
  /** files an earlier render wrote that are gone from this render but were edited since, so were kept */
  kept: string[]
  warnings: InputProblem[]
}

/** `lastmile render`: render the selected stations into --out. No secret value is in the result. */
export async function renderToDirectory(opts: RenderCommandOptions): Promise<RenderCommandResult> {
  const { inventory: inv, warnings } = await loadInventoryOrThrow(opts.inventoryDir)
  const rendered = await renderAll(inv, { towns: opts.towns, stations: opts.stations, lab: opts.lab, env: opts.env, templatesDir: opts.templatesDir, resolver: opts.resolver })
  const { kept } = await writeRenderOutput(opts.out, rendered)
  const byId = new Map(inv.stations.map((s) => [s.id, s]))
  const results = rendered.map((r) => {
    const s = byId.get(r.stationId)!
    return { id: r.stationId, name: s.name, town: s.town.code, configId: r.configId, files: r.files.map((f) => ({ path: f.path, mode: f.mode, sha256: f.secretFields.length > 0 ? SECRET_MASK : f.sha256, size: f.size, reload: f.reload })) }
  })
  const towns = inv.towns
    .map((t) => {
      const mine = results.filter((r) => r.town === t.code)
      const files = mine.flatMap((r) => r.files)
      return { code: t.code, name: t.name, slug: t.slug, stations: mine.length, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) }
    })
    .filter((t) => t.stations > 0)
  const selected = new Set(results.map((r) => r.id))
  const channel = planChannels24(inv.stations, { positions: inv.positions }).problems.filter((p) => p.station && selected.has(p.station))
  return {
    inventory: opts.inventoryDir,
    out: path.resolve(opts.out),
    stations: results.length,
    files: towns.reduce((n, t) => n + t.files, 0),
    bytes: towns.reduce((n, t) => n + t.bytes, 0),
    towns,
    results,
    kept,
    warnings: [...warnings, ...channel],
  }
}

/** One line per town, then the total. */
export function formatRenderResult(r: RenderCommandResult): string {
  const rows = r.towns.map((t) => [t.name, t.slug, t.stations, t.files, kb(t.bytes)])
  const lines = [
    formatTable(['town', 'slug', 'stations', 'files', 'size'], rows, { align: ['left', 'left', 'right', 'right', 'right'] }),
    '',
    `rendered ${r.stations} station${r.stations === 1 ? '' : 's'}, ${r.files} files (${kb(r.bytes)}) into ${r.out}`,
  ]
  if (r.stations <= 10) for (const s of r.results) lines.push(`  ${s.id} ${s.name}  config ${s.configId}`)
  for (const k of r.kept) lines.push(`kept ${k}: an earlier render wrote it and it is no longer rendered, but it was edited since`)
  return lines.join('\n')
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`
}
