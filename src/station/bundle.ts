import { createTar, gzip, type TarEntry } from './tar.js'

/** Reload actions the agent knows (`-` = none). */
export type ReloadAction = 'network' | 'wireless' | 'firewall' | 'dhcp' | 'dropbear' | '-'

export interface ManifestEntry {
  path: string
  sha256: string
  /** octal text, e.g. `0644` */
  mode: string
  reload: ReloadAction
}

/** One MANIFEST line: `<sha256> <mode> <reload|-> <path>`. */
export function manifestLine(e: ManifestEntry): string {
  if (!/^[0-9a-f]{64}$/.test(e.sha256)) throw new Error(`manifest: ${e.path}: sha256 must be 64 lowercase hex digits`)
  if (!/^[0-7]{3,4}$/.test(e.mode)) throw new Error(`manifest: ${e.path}: mode must be 3-4 octal digits`)
  if (!/^\/etc\/[A-Za-z0-9._/-]+$/.test(e.path) || e.path.includes('..')) throw new Error(`manifest: ${e.path} is not a path the agent manages (under /etc/, plain characters)`)
  return `${e.sha256} ${e.mode} ${e.reload} ${e.path}`
}

export interface ChangedFile {
  /** absolute path on the station, e.g. `/etc/config/network` */
  path: string
  content: Buffer
}

/**
 * The apply bundle: `MANIFEST` (every desired file) then `files/<path>` for the changed files
 * only, with directory entries for their parents; gzip-compressed unless `gzip: false`.
 */
export function buildBundle(manifestLines: readonly string[], changed: readonly ChangedFile[], opts: { gzip?: boolean; mtime?: number } = {}): Buffer {
  const entries: TarEntry[] = [{ name: 'MANIFEST', content: Buffer.from(manifestLines.join('\n') + '\n'), mode: 0o644 }]
  const dirs = new Set<string>()
  for (const f of changed) {
    if (!f.path.startsWith('/')) throw new Error(`bundle: ${f.path} must be absolute`)
    const rel = `files${f.path}`
    const parts = rel.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/') + '/'
      if (!dirs.has(dir)) {
        dirs.add(dir)
        entries.push({ name: dir, type: 'dir' })
      }
    }
    entries.push({ name: rel, content: f.content, mode: 0o600 })
  }
  const tar = createTar(entries, opts.mtime === undefined ? {} : { mtime: opts.mtime })
  return opts.gzip === false ? tar : gzip(tar)
}
