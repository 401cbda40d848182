import { createHash } from 'node:crypto'
import { lstat, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { UsageError } from '../cli/errors.js'
import { writeFileAtomic } from '../util/write-atomic.js'
import type { RenderedStation } from './station.js'

/** The marker that says "this folder is lastmile render output": only such a folder is written into when not empty. */
export const RENDER_MARKER = '.lastmile-render.json'

export interface StationManifest {
  stationId: string
  configId: string
  files: Array<{ path: string; mode: string; sha256: string; size: number; reload: string }>
}

export interface WriteResult {
  /** files left in place because they changed since lastmile wrote them */
  kept: string[]
}

/**
 * Writes DIR/<station-id>/<path> for every file (mode set) and
 * DIR/<station-id>/manifest.json. Refuses a non-empty DIR without the marker
 * (it is someone's folder). In a previous output, a file the old manifest
 * listed and the new render no longer has is removed only if it is still
 * byte-for-byte what lastmile wrote; nothing else is ever deleted.
 */
export async function writeRenderOutput(dir: string, rendered: readonly RenderedStation[]): Promise<WriteResult> {
  await prepareDir(dir)
  const kept: string[] = []
  for (const r of rendered) {
    const stationDir = path.join(dir, r.stationId)
    const manifestFile = path.join(stationDir, 'manifest.json')
    const previous = await readManifest(manifestFile)
    const planned = new Set(r.files.map((f) => f.path))
    for (const old of previous?.files ?? []) {
      if (planned.has(old.path)) continue
      const target = inside(stationDir, old.path)
      if (!target) continue
      const now = await readFile(target).catch(() => undefined)
      if (!now) continue
      if (createHash('sha256').update(now).digest('hex') === old.sha256) await rm(target)
      else kept.push(target)
    }
    for (const f of r.files) {
      const target = inside(stationDir, f.path)
      if (!target) throw new Error(`bug: rendered path ${f.path} escapes the output folder`)
      await writeFileAtomic(target, f.content, { mode: parseInt(f.mode, 8) })
    }
    const manifest: StationManifest = { stationId: r.stationId, configId: r.configId, files: r.files.map((f) => ({ path: f.path, mode: f.mode, sha256: f.sha256, size: f.size, reload: f.reload })) }
    await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
  }
  return { kept }
}

async function prepareDir(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined)
  if (st && !st.isDirectory()) throw new UsageError(`--out ${dir} is not a folder`, 'Give --out a new or empty folder, or a folder an earlier `lastmile render` wrote.')
  if (st) {
    const entries = await readdir(dir)
    if (entries.length > 0 && !entries.includes(RENDER_MARKER)) {
      throw new UsageError(`--out ${dir} is not empty and is not a lastmile render output (no ${RENDER_MARKER}); refusing to write into it`, 'Give --out a new or empty folder; lastmile never writes over files it did not make.')
    }
  }
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, RENDER_MARKER), JSON.stringify({ tool: 'lastmile', kind: 'render-output', format: 1 }, null, 2) + '\n')
}

async function readManifest(file: string): Promise<StationManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as StationManifest
    return Array.isArray(m.files) ? m : undefined
  } catch {
    return undefined
  }
}

/** `<stationDir>` + station path, or undefined if it would leave stationDir. */
function inside(stationDir: string, stationPath: string): string | undefined {
  const target = path.join(stationDir, stationPath)
  return target.startsWith(stationDir + path.sep) ? target : undefined
}
