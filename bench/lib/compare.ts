/**
 * The identity check: after a cold phase, every station's managed files as one
 * tool left them (sha256 and mode per path), compared with what the other tool
 * left and with what lastmile's renderer says they must be.
 *
 * Managed files are the regular files under <root>/etc/config, /etc/dropbear
 * and /etc/lastmile, except the agent's own state (/etc/lastmile/state/):
 * so a file one tool writes and the other does not is caught too.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'

export interface FileFacts {
  sha256: string
  /** octal, e.g. '0600' */
  mode: string
}

/** station id → station path (/etc/config/network) → facts */
export type FleetSnapshot = Map<string, Map<string, FileFacts>>

const MANAGED_DIRS = ['/etc/config', '/etc/dropbear', '/etc/lastmile']
const EXCLUDED = ['/etc/lastmile/state']

function excluded(p: string): boolean {
  return EXCLUDED.some((e) => p === e || p.startsWith(e + '/'))
}

async function walk(root: string, rel: string, out: string[], depth = 0): Promise<void> {
  if (depth > 8 || excluded(rel)) return
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    const p = `${rel}/${e.name}`
    if (e.isDirectory()) await walk(root, p, out, depth + 1)
    else if (e.isFile() && !excluded(p)) out.push(p)
  }
}

/** sha256 and mode of every managed file under one station root. */
export async function snapshotRoot(root: string): Promise<Map<string, FileFacts>> {
  const files: string[] = []
  for (const d of MANAGED_DIRS) await walk(root, d, files)
  const out = new Map<string, FileFacts>()
  for (const p of files.sort()) {
    const full = path.join(root, p)
    const [data, st] = await Promise.all([readFile(full), stat(full)])
    out.set(p, { sha256: createHash('sha256').update(data).digest('hex'), mode: '0' + (st.mode & 0o777).toString(8).padStart(3, '0') })
  }
  return out
}

export async function snapshotFleet(stations: ReadonlyArray<{ id: string; root: string }>): Promise<FleetSnapshot> {
  const out: FleetSnapshot = new Map()
  for (const s of stations) out.set(s.id, await snapshotRoot(s.root))
  return out
}

export interface Difference {
  station: string
  path: string
  /** what differs: present on one side only, content, or mode */
  kind: 'missing-left' | 'missing-right' | 'content' | 'mode'
  left?: FileFacts
  right?: FileFacts
}

export interface Comparison {
  stations: number
  files: number
  identical: boolean
  differences: Difference[]
}

/** Pure: every path of every station, on both sides. */
export function compareSnapshots(left: FleetSnapshot, right: FleetSnapshot): Comparison {
  const differences: Difference[] = []
  let files = 0
  const ids = [...new Set([...left.keys(), ...right.keys()])].sort()
  for (const id of ids) {
    const l = left.get(id) ?? new Map<string, FileFacts>()
    const r = right.get(id) ?? new Map<string, FileFacts>()
    for (const p of [...new Set([...l.keys(), ...r.keys()])].sort()) {
      files++
      const a = l.get(p)
      const b = r.get(p)
      if (!a) differences.push({ station: id, path: p, kind: 'missing-left', ...(b ? { right: b } : {}) })
      else if (!b) differences.push({ station: id, path: p, kind: 'missing-right', left: a })
      else if (a.sha256 !== b.sha256) differences.push({ station: id, path: p, kind: 'content', left: a, right: b })
      else if (a.mode !== b.mode) differences.push({ station: id, path: p, kind: 'mode', left: a, right: b })
    }
  }
  return { stations: ids.length, files, identical: differences.length === 0, differences }
}

/** One line per difference (at most `limit`), for logs and the CI smoke run. */
export function describeDifferences(c: Comparison, names: [string, string], limit = 20): string[] {
  const [ln, rn] = names
  const lines = c.differences.slice(0, limit).map((d) => {
    switch (d.kind) {
      case 'missing-left':
        return `${d.station} ${d.path}: only ${rn} has it`
      case 'missing-right':
        return `${d.station} ${d.path}: only ${ln} has it`
      case 'content':
        return `${d.station} ${d.path}: content differs (${ln} ${d.left?.sha256.slice(0, 12)}, ${rn} ${d.right?.sha256.slice(0, 12)})`
      case 'mode':
        return `${d.station} ${d.path}: mode differs (${ln} ${d.left?.mode}, ${rn} ${d.right?.mode})`
    }
  })
  if (c.differences.length > limit) lines.push(`… and ${c.differences.length - limit} more`)
  return lines
}
