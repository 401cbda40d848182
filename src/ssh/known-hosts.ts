import { readFile } from 'node:fs/promises'
import { fingerprintOfBlob, keyTypeOfBlob } from './fingerprint.js'

/*
 * lastmile's pinned host keys live in an OpenSSH known_hosts file, one line per station:
 *
 *   10.250.2.1 ssh-ed25519 AAAAC3Nz… lastmile:441802104201
 *   [127.0.0.5]:2222 ssh-ed25519 AAAAC3Nz… lastmile:441802104201
 *
 * so admins can reuse it: `ssh -o UserKnownHostsFile=inventory/qingcheng/known_hosts root@…`.
 * The comment `lastmile:<station id>` ties a line to a station even when its address changes;
 * lines without it (added by hand) match by address. Lines lastmile does not understand
 * (comments, hashed hosts, @markers, other hosts) are kept byte for byte when the file is
 * rewritten.
 */

export interface KnownHostsEntry {
  /** 1-based line number in the file */
  line: number
  /** the host patterns of the line (comma-separated in the file) */
  hosts: string[]
  keyType: string
  keyBase64: string
  fingerprint: string
  /** the station id from a `lastmile:<id>` comment */
  stationId?: string
}

export interface KnownHosts {
  /** the raw lines, without their newline */
  lines: string[]
  entries: KnownHostsEntry[]
}

/** The host field OpenSSH writes and looks up: bare host on port 22, else `[host]:port`. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

export function parseKnownHosts(text: string): KnownHosts {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/)
  const entries: KnownHostsEntry[] = []
  lines.forEach((raw, i) => {
    const entry = parseLine(raw, i + 1)
    if (entry) entries.push(entry)
  })
  return { lines, entries }
}

function parseLine(raw: string, line: number): KnownHostsEntry | undefined {
  const text = raw.trim()
  // Comments, blank lines, @cert-authority/@revoked markers and hashed hosts are not pins we
  // can attribute to a station: keep them, do not use them.
  if (text === '' || text.startsWith('#') || text.startsWith('@') || text.startsWith('|')) return undefined
  const [hostField, keyType, keyBase64, ...comment] = text.split(/\s+/)
  if (!hostField || !keyType || !keyBase64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return undefined
  const blob = Buffer.from(keyBase64, 'base64')
  if (keyTypeOfBlob(blob) !== keyType) return undefined
  const tag = comment.find((c) => c.startsWith('lastmile:'))
  return {
    line,
    hosts: hostField.split(','),
    keyType,
    keyBase64,
    fingerprint: fingerprintOfBlob(blob),
    ...(tag ? { stationId: tag.slice('lastmile:'.length) } : {}),
  }
}

/**
 * The entries that pin a station: those tagged with its id; only when there are none, untagged
 * lines for its address (a line tagged for another station never pins this one).
 */
export function findStationEntries(kh: KnownHosts, station: { stationId: string; host: string; port: number }): KnownHostsEntry[] {
  const tagged = kh.entries.filter((e) => e.stationId === station.stationId)
  if (tagged.length > 0) return tagged
  const pattern = hostPattern(station.host, station.port)
  return kh.entries.filter((e) => e.stationId === undefined && e.hosts.includes(pattern))
}

export function formatKnownHostsLine(r: { stationId: string; host: string; port: number; keyType: string; keyBase64: string }): string {
  return `${hostPattern(r.host, r.port)} ${r.keyType} ${r.keyBase64} lastmile:${r.stationId}`
}

/** One scanned host key to record for a station. */
export interface HostKeyRecord {
  stationId: string
  host: string
  port: number
  keyType: string
  keyBase64: string
  fingerprint: string
}

export type RecordOutcome =
  | { stationId: string; action: 'added'; line: string }
  | { stationId: string; action: 'replaced'; line: string; previous: string[] }
  | { stationId: string; action: 'unchanged'; line: string }
  | { stationId: string; action: 'refused'; previous: string[]; found: string }

/**
 * Pure: the new file text with `records` pinned. A station already pinned to the same key keeps
 * its line (its address is refreshed); a station pinned to a different key is refused unless
 * its id is in `replace`, in which case all its old lines go and the new one is added.
 * Every other line stays as it was, in place.
 */
export function applyRecords(kh: KnownHosts, records: HostKeyRecord[], replace: ReadonlySet<string> = new Set()): { text: string; outcomes: RecordOutcome[] } {
  const lines: Array<string | null> = [...kh.lines]
  const appended: string[] = []
  const outcomes: RecordOutcome[] = []
  for (const r of records) {
    const existing = findStationEntries(kh, r)
    const line = formatKnownHostsLine(r)
    if (existing.length === 0) {
      appended.push(line)
      outcomes.push({ stationId: r.stationId, action: 'added', line })
      continue
    }
    const previous = existing.map((e) => e.fingerprint)
    if (existing.some((e) => e.fingerprint === r.fingerprint)) {
      const same = existing.find((e) => e.fingerprint === r.fingerprint) as KnownHostsEntry
      if (kh.lines[same.line - 1] !== line) lines[same.line - 1] = line
      outcomes.push({ stationId: r.stationId, action: 'unchanged', line })
      continue
    }
    if (!replace.has(r.stationId)) {
      outcomes.push({ stationId: r.stationId, action: 'refused', previous, found: r.fingerprint })
      continue
    }
    for (const e of existing) lines[e.line - 1] = null
    appended.push(line)
    outcomes.push({ stationId: r.stationId, action: 'replaced', line, previous })
  }
  const kept = lines.filter((l): l is string => l !== null)
  const all = [...kept, ...appended]
  return { text: all.length > 0 ? all.join('\n') + '\n' : '', outcomes }
}

export async function readKnownHosts(file: string): Promise<KnownHosts> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], entries: [] }
    throw err
  }
}

/** Written via a temporary file and rename, so a crash never leaves a half-written pin file. */
export { writeFileAtomic } from '../util/write-atomic.js'
