import { UsageError } from '../cli/errors.js'
import { loadInventory, loadInventoryOrThrow } from '../inventory/loader.js'
import type { Inventory } from '../inventory/model.js'
import { selectStations } from '../inventory/select.js'
import { labTargetPath, readLabTarget } from '../lab/target.js'
import { formatAddress, SshError, type PinSource } from './errors.js'
import { applyRecords, findStationEntries, readKnownHosts, writeFileAtomic, type HostKeyRecord, type KnownHosts, type RecordOutcome } from './known-hosts.js'
import { mapLimit } from './pool.js'
import { scanHostKey, type ScanOptions } from './scan.js'
import { expectedFingerprints, inventoryKnownHostsPath, inventoryTarget, labKnownHostsPath, labStationTarget, type SshTarget } from './targets.js'

/*
 * `lastmile hosts scan` and `hosts trust`: read every selected station's host key (no login),
 * compare it with the pin, and record verified keys in a known_hosts file.
 */

export interface HostsSelection {
  inventoryDir: string
  towns?: string[]
  stations?: string[]
  lab?: boolean
  /** lastmile's state directory (for --lab) */
  home: string
  /** at most this many scans in flight (default 32) */
  concurrency?: number
  scan?: ScanOptions
}

export type HostStatus = 'pinned-ok' | 'mismatch' | 'new' | 'unreachable'

export interface HostScanRow {
  id: string
  name: string
  address: string
  status: HostStatus
  /** what the station presented (absent when unreachable) */
  fingerprint?: string
  keyType?: string
  /** the pinned fingerprints it was compared with */
  pinned: string[]
  pinSource?: PinSource
  /** ms to receive the host key (≈ TCP connect + key exchange) */
  ms?: number
  error?: string
  /** e.g. the inventory's hostKey disagrees with known_hosts */
  note?: string
}

export interface HostScanResult {
  mode: 'inventory' | 'lab'
  knownHostsFile: string
  rows: HostScanRow[]
  counts: Record<HostStatus, number>
}

interface Scanned {
  row: HostScanRow
  target: SshTarget
  base64?: string
}

interface Resolved {
  mode: 'inventory' | 'lab'
  knownHostsFile: string
  knownHosts: KnownHosts
  targets: Array<{ target: SshTarget; name: string; note?: string }>
}

async function resolveTargets(sel: HostsSelection): Promise<Resolved> {
  if (sel.lab) {
    const lab = await readLabTarget(sel.home)
    const knownHostsFile = labKnownHostsPath(sel.home)
    const knownHosts = await readKnownHosts(knownHostsFile)
    // Names and town filters come from the inventory the lab was started from.
    const loaded = await loadInventory(lab.inventory)
    const inv = loaded.inventory
    let wanted: Set<string> | undefined
    if ((sel.towns?.length ?? 0) > 0 || (sel.stations?.length ?? 0) > 0) {
      if (inv) {
        wanted = new Set(selectStations(inv, { towns: sel.towns ?? [], stations: sel.stations ?? [] }).map((s) => s.id))
      } else if ((sel.towns?.length ?? 0) > 0) {
        throw new UsageError(`--town needs the lab's inventory (${lab.inventory}), which does not load`, 'Run `lastmile inventory validate --inventory ' + lab.inventory + '`, or select lab stations with --station.')
      } else {
        wanted = new Set(sel.stations)
      }
    }
    const names = new Map(inv?.stations.map((s) => [s.id, s.name]) ?? [])
    const targets = lab.stations
      .filter((s) => !wanted || wanted.has(s.id))
      .map((s) => ({ target: labStationTarget(s, knownHosts, knownHostsFile, labTargetPath(sel.home)), name: names.get(s.id) ?? '' }))
    if (wanted && sel.stations) {
      const missing = sel.stations.filter((id) => !lab.stations.some((s) => s.id === id))
      if (missing.length > 0) throw new UsageError(`station ${missing.join(', ')} is not in the running lab`, 'The lab simulates the stations of its inventory; `lastmile lab status` lists them.')
    }
    return { mode: 'lab', knownHostsFile, knownHosts, targets }
  }
  const { inventory } = await loadInventoryOrThrow(sel.inventoryDir)
  const knownHostsFile = inventoryKnownHostsPath(sel.inventoryDir)
  const knownHosts = await readKnownHosts(knownHostsFile)
  const stations = selectStations(inventory, { towns: sel.towns ?? [], stations: sel.stations ?? [] })
  return { mode: 'inventory', knownHostsFile, knownHosts, targets: stations.map((s) => ({ target: inventoryTarget(s, knownHosts, knownHostsFile), name: s.name, ...conflictNote(inventory, s.id, knownHosts) })) }
}

/** The inventory's hostKey and a known_hosts line disagree: known_hosts wins; say so. */
function conflictNote(inv: Inventory, id: string, kh: KnownHosts): { note?: string } {
  const s = inv.stations.find((x) => x.id === id)
  if (!s?.ssh.hostKey) return {}
  const entries = findStationEntries(kh, { stationId: s.id, host: s.management.address, port: s.ssh.port })
  if (entries.length === 0 || entries.some((e) => e.fingerprint === s.ssh.hostKey)) return {}
  return { note: `station.ssh.hostKey in ${s.source.file} (${s.ssh.hostKey}) differs from known_hosts, which wins; update or remove the inventory field` }
}

async function scanAll(resolved: Resolved, sel: HostsSelection): Promise<Scanned[]> {
  return mapLimit(resolved.targets, sel.concurrency ?? 32, async ({ target, name, note }) => {
    const pinned = expectedFingerprints(target)
    const base = { id: target.stationId, name, address: formatAddress(target.host, target.port), pinned, ...(target.pinSource ? { pinSource: target.pinSource } : {}), ...(note ? { note } : {}) }
    try {
      const key = await scanHostKey(target, sel.scan)
      const status: HostStatus = pinned.length === 0 ? 'new' : pinned.includes(key.fingerprint) ? 'pinned-ok' : 'mismatch'
      return { target, base64: key.base64, row: { ...base, status, fingerprint: key.fingerprint, keyType: key.type, ms: Math.round(key.ms) } }
    } catch (err) {
      if (!(err instanceof SshError)) throw err
      return { target, row: { ...base, status: 'unreachable' as const, error: err.message } }
    }
  })
}

function countRows(rows: HostScanRow[]): Record<HostStatus, number> {
  const counts: Record<HostStatus, number> = { 'pinned-ok': 0, mismatch: 0, new: 0, unreachable: 0 }
  for (const r of rows) counts[r.status]++
  return counts
}

export async function scanHosts(sel: HostsSelection): Promise<HostScanResult> {
  const resolved = await resolveTargets(sel)
  const rows = (await scanAll(resolved, sel)).map((s) => s.row)
  return { mode: resolved.mode, knownHostsFile: resolved.knownHostsFile, rows, counts: countRows(rows) }
}

export type TrustAction = 'add' | 'replace' | 'keep' | 'refuse' | 'skip'

export interface TrustPlanRow {
  id: string
  name: string
  address: string
  action: TrustAction
  fingerprint?: string
  keyType?: string
  /** the line that will be (or is) in known_hosts */
  line?: string
  previous?: string[]
  reason?: string
}

export interface HostTrustResult {
  mode: 'inventory' | 'lab'
  knownHostsFile: string
  plan: TrustPlanRow[]
  written: boolean
  /** why nothing was written (no --yes, declined, nothing to do) */
  notWritten?: string
}

export interface TrustOptions extends HostsSelection {
  /** replace a different pinned key (only for stations named with --station) */
  replace?: boolean
  /** write without asking */
  yes?: boolean
  /** asked with the plan when `yes` is not set; absent = non-interactive (write nothing) */
  confirm?: (plan: TrustPlanRow[], knownHostsFile: string) => Promise<boolean>
}

/**
 * Scans, then records keys: new stations are added; a station whose key matches its pin is kept
 * (and added to known_hosts when the pin was only in the inventory or the lab target); a
 * different key is refused unless --replace names the station. Lines of other stations and
 * lines lastmile did not write are kept as they are. The file is replaced atomically.
 */
export async function trustHosts(opts: TrustOptions): Promise<HostTrustResult> {
  if (opts.replace && (opts.stations?.length ?? 0) === 0) {
    throw new UsageError('--replace needs --station: a changed host key is replaced only for stations you name', 'Verify each new fingerprint with the station (on site or by phone), then `lastmile hosts trust --station <id> --replace`.')
  }
  const resolved = await resolveTargets(opts)
  const scanned = await scanAll(resolved, opts)
  const replaceIds = new Set(opts.replace ? opts.stations : [])

  const records: HostKeyRecord[] = []
  const plan: TrustPlanRow[] = []
  for (const s of scanned) {
    const r = s.row
    const common = { id: r.id, name: r.name, address: r.address, ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}), ...(r.keyType ? { keyType: r.keyType } : {}) }
    if (r.status === 'unreachable' || !r.fingerprint || !r.keyType || !s.base64) {
      plan.push({ ...common, action: 'skip', reason: r.error ?? 'unreachable' })
      continue
    }
    if (r.status === 'mismatch' && !replaceIds.has(r.id)) {
      plan.push({ ...common, action: 'refuse', previous: r.pinned, reason: `presents ${r.fingerprint}, pinned ${r.pinned.join(' or ')}; verify it, then --station ${r.id} --replace` })
      continue
    }
    records.push({ stationId: r.id, host: s.target.host, port: s.target.port, keyType: r.keyType, keyBase64: s.base64, fingerprint: r.fingerprint })
  }

  const { text, outcomes } = applyRecords(resolved.knownHosts, records, replaceIds)
  const byId = new Map(scanned.map((s) => [s.row.id, s.row]))
  for (const o of outcomes) plan.push(planRow(o, byId.get(o.stationId) as HostScanRow))
  const order = new Map(scanned.map((s, i) => [s.row.id, i]))
  plan.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))

  const base = { mode: resolved.mode, knownHostsFile: resolved.knownHostsFile, plan }
  const changes = plan.some((p) => p.action === 'add' || p.action === 'replace') || text !== joinLines(resolved.knownHosts)
  if (!changes) return { ...base, written: false, notWritten: 'nothing to record' }
  if (!opts.yes) {
    const ok = opts.confirm ? await opts.confirm(plan, resolved.knownHostsFile) : false
    if (!ok) return { ...base, written: false, notWritten: opts.confirm ? 'declined' : 'not confirmed: run again with --yes to write' }
  }
  await writeFileAtomic(resolved.knownHostsFile, text)
  return { ...base, written: true }
}

function joinLines(kh: KnownHosts): string {
  return kh.lines.length > 0 ? kh.lines.join('\n') + '\n' : ''
}

function planRow(o: RecordOutcome, row: HostScanRow): TrustPlanRow {
  const common = { id: row.id, name: row.name, address: row.address, ...(row.fingerprint ? { fingerprint: row.fingerprint } : {}), ...(row.keyType ? { keyType: row.keyType } : {}) }
  switch (o.action) {
    case 'added':
      // A mismatch against an inventory/lab pin with --replace lands here: known_hosts had nothing.
      if (row.status === 'mismatch') return { ...common, action: 'replace', line: o.line, previous: row.pinned, reason: row.pinSource?.kind === 'inventory' ? `known_hosts now overrides station.ssh.hostKey in ${row.pinSource.file ?? 'the inventory'}; update that field too` : 'replaces the key recorded by the lab' }
      return { ...common, action: 'add', line: o.line, ...(row.status === 'pinned-ok' ? { reason: 'matches the pin; recorded in known_hosts for ssh too' } : {}) }
    case 'replaced':
      return { ...common, action: 'replace', line: o.line, previous: o.previous }
    case 'unchanged':
      return { ...common, action: 'keep', line: o.line }
    case 'refused':
      return { ...common, action: 'refuse', previous: o.previous, reason: `presents ${o.found}, pinned ${o.previous.join(' or ')}` }
  }
}
