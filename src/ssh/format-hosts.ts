import { formatTable } from '../cli/table.js'
import type { HostScanResult, HostStatus, HostTrustResult, TrustPlanRow } from './hosts.js'

const STATUS_LABEL: Record<HostStatus, string> = { 'pinned-ok': 'pinned-ok', mismatch: 'MISMATCH', new: 'new', unreachable: 'unreachable' }

export function formatScan(r: HostScanResult): string {
  if (r.rows.length === 0) return 'no stations selected'
  const table = formatTable(
    ['ID', 'NAME', 'ADDRESS', 'FINGERPRINT', 'STATUS'],
    r.rows.map((row) => [row.id, row.name, row.address, row.fingerprint ?? '-', STATUS_LABEL[row.status]]),
  )
  const lines = [table, '']
  for (const row of r.rows) {
    if (row.status === 'mismatch') lines.push(`MISMATCH ${row.id}: presents ${row.fingerprint}, pinned ${row.pinned.join(' or ')} (${pinWhere(row.pinSource)})`)
    if (row.status === 'unreachable') lines.push(`unreachable ${row.id}: ${row.error ?? ''}`)
    if (row.note) lines.push(`note ${row.id}: ${row.note}`)
  }
  const c = r.counts
  lines.push(`${r.rows.length} station${r.rows.length === 1 ? '' : 's'}${r.mode === 'lab' ? ' (lab)' : ''}: ${c['pinned-ok']} pinned-ok, ${c.new} new, ${c.mismatch} mismatch, ${c.unreachable} unreachable; pins: ${r.knownHostsFile}`)
  if (c.new > 0) lines.push(`Verify the new fingerprints with the stations (on site or by phone), then \`lastmile hosts trust${r.mode === 'lab' ? ' --lab' : ''}\`.`)
  if (c.mismatch > 0) lines.push('Do not push to a MISMATCH station until you know why; after a verified reinstall: `lastmile hosts trust --station <id> --replace`.')
  return lines.join('\n')
}

function pinWhere(src: HostScanResult['rows'][number]['pinSource']): string {
  if (!src) return 'unpinned'
  if (src.kind === 'known_hosts') return `known_hosts ${src.file ?? ''}`.trim()
  if (src.kind === 'inventory') return `station.ssh.hostKey in ${src.file ?? 'the inventory'}`
  return 'the lab target'
}

const ACTION_LABEL: Record<TrustPlanRow['action'], string> = { add: 'add', replace: 'REPLACE', keep: 'keep', refuse: 'REFUSED', skip: 'skip' }

/** The plan, one line per station: what will be written (or why not). */
export function formatTrustPlan(plan: TrustPlanRow[]): string {
  return formatTable(
    ['ACTION', 'ID', 'NAME', 'ADDRESS', 'FINGERPRINT'],
    plan.map((p) => [ACTION_LABEL[p.action], p.id, p.name, p.address, p.fingerprint ?? '-']),
  )
}

export function formatTrust(r: HostTrustResult): string {
  const lines = [formatTrustPlan(r.plan), '']
  for (const p of r.plan) {
    if ((p.action === 'add' || p.action === 'replace') && p.line) lines.push(`${p.action === 'add' ? '+' : '±'} ${p.line}`)
    if (p.action === 'replace' && p.previous) lines.push(`    was ${p.previous.join(', ')}${p.reason ? `; ${p.reason}` : ''}`)
    if (p.action === 'refuse' || p.action === 'skip') lines.push(`  ${p.id}: ${p.reason ?? ''}`)
  }
  lines.push(r.written ? `written: ${r.knownHostsFile}` : `not written (${r.notWritten ?? 'nothing to do'}): ${r.knownHostsFile}`)
  return lines.join('\n')
}
