import { createTar, gzip, type TarEntry } from './tar.js'

/** The reload actions the agent knows, in the order it runs them (station/lastmile-station RELOAD_ORDER). */
export const AGENT_RELOADS = ['network', 'wireless', 'firewall', 'dhcp', 'dropbear'] as const

/** Reload actions the agent knows (`-` = none). */
export type ReloadAction = (typeof AGENT_RELOADS)[number] | '-'

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
  checkManagedPath(e.path)
  return `${e.sha256} ${e.mode} ${e.reload} ${e.path}`
}

/**
 * A MANIFEST removal line, `- - <reload|-> <path>`: the file must be gone. The agent backs it up
 * and unlinks it under the same pending/watchdog/rollback as a changed file, runs `reload`, and
 * removes only a file its confirmed manifest lists (station/README.md, "The apply bundle"). Send
 * one for each path `decideChanges` reports as `removed`; `reload` is the action the file had
 * (e.g. `wireless` for /etc/config/wireless, so the radios go down).
 */
export function removalLine(e: { path: string; reload: ReloadAction }): string {
  checkManagedPath(e.path)
  return `- - ${e.reload} ${e.path}`
}

function checkManagedPath(p: string): void {
  const bad = managedPathProblem(p)
  if (bad) throw new Error(`manifest: ${p} ${bad}`)
}

/**
 * Why the agent would refuse `p` as a managed path (its `valid_path` and the state rule), or
 * undefined: under /etc/, only `A-Z a-z 0-9 . _ / -`, no `..`, `//`, `/./` or trailing `/`, not
 * the agent's own state. The one copy of the rule on the controller side.
 */
export function managedPathProblem(p: string): string | undefined {
  if (!/^\/etc\/[A-Za-z0-9._/-]+$/.test(p) || p.includes('..') || p.includes('//') || p.includes('/./') || p.endsWith('/') || p.endsWith('/.')) {
    return 'is not a path the agent manages (an absolute path under /etc/ of letters, digits and . _ / -; no .., //, /./ or trailing /)'
  }
  if (p === '/etc/lastmile/state' || p.startsWith('/etc/lastmile/state/')) return "is the agent's own state (/etc/lastmile/state)"
  return undefined
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
