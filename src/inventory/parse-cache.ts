import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { writeFileAtomic } from '../util/write-atomic.js'

/**
 * Parsed inventory files by content, so a rollout over an unchanged inventory does not parse
 * 270 KB of YAML again (a third of a second of the controller's one thread, before any station
 * can be looked at). Only the YAML → data step is cached: the schema and cross-field checks run
 * on every load, and a file that had a YAML error is never cached. The key is the file's bytes
 * and the YAML library's version; the cache file is the user's own (`<home>/cache/`): one that
 * cannot be read or has the wrong shape is ignored and rewritten.
 */
export interface ParsedYaml {
  /** `doc.toJS()` of the file */
  data: unknown
  /** the parser's warnings (never errors: a file with errors is not cached) */
  warnings: Array<{ line: number; col: number; message: string }>
}

export interface YamlParseCache {
  key(bytes: Buffer): string
  get(key: string): ParsedYaml | undefined
  set(key: string, value: ParsedYaml): void
  /** Keeps only the entries this load used; writes only when something was added. */
  flush(): Promise<void>
}

const FORMAT = 1
let yamlVersion: string | undefined

function parserVersion(): string {
  yamlVersion ??= String((createRequire(import.meta.url)('yaml/package.json') as { version?: unknown }).version ?? '?')
  return yamlVersion
}

function isParsed(v: unknown): v is ParsedYaml {
  if (typeof v !== 'object' || v === null || !('data' in v) || !('warnings' in v)) return false
  const w = (v as { warnings: unknown }).warnings
  return Array.isArray(w) && w.every((x) => typeof x === 'object' && x !== null && typeof (x as ParsedYaml['warnings'][number]).message === 'string')
}

export async function openYamlParseCache(file: string): Promise<YamlParseCache> {
  let stored: Record<string, unknown> = {}
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as { format?: unknown; entries?: unknown }
    if (v.format === FORMAT && typeof v.entries === 'object' && v.entries !== null) stored = v.entries as Record<string, unknown>
  } catch {
    // No cache yet, or an unreadable one: every file is parsed, and the cache written anew.
  }
  const used = new Map<string, ParsedYaml>()
  let added = false
  const prefix = `inventory-yaml/${FORMAT}/yaml@${parserVersion()}\0`
  return {
    key: (bytes) => createHash('sha256').update(prefix).update(bytes).digest('hex'),
    get(key) {
      const v = stored[key]
      if (!isParsed(v)) return undefined
      used.set(key, v)
      return v
    },
    set(key, value) {
      used.set(key, value)
      added = true
    },
    async flush() {
      if (!added && used.size === Object.keys(stored).length) return
      await writeFileAtomic(file, JSON.stringify({ format: FORMAT, entries: Object.fromEntries(used) }), { mode: 0o600, dirMode: 0o700 })
    },
  }
}
