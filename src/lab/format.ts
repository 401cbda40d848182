import path from 'node:path'
import { formatTable } from '../cli/table.js'
import type { FaultChangeResult, LabStatusResult, StartLabResult, StopLabResult } from './service.js'

/* The human views of the lab's results (commands print these; --json prints the data). */

export function formatMb(kb: number | undefined): string {
  return kb === undefined ? 'unknown' : `${(kb / 1024).toFixed(1)} MB`
}

/** A path relative to the working directory when that is shorter (what people copy-paste). */
function short(p: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, p)
  return rel && !rel.startsWith('..') && rel.length < p.length ? rel : p
}

export function formatStart(r: StartLabResult): string {
  const port = r.addresses.port === 'per-station' ? 'a free port each (see target.json)' : `port ${r.addresses.port}`
  const firstPort = r.addresses.port === 'per-station' ? '<port from target.json>' : String(r.addresses.port)
  const lines = [
    `${r.reused ? 'lab already running' : 'lab up'}: ${r.stations} station${r.stations === 1 ? '' : 's'}${r.synthesized ? ` (${r.synthesized} made up beyond the inventory)` : ''} on ${r.addresses.first} … ${r.addresses.last}, ${port}, shell ${r.shell}`,
    `  daemon       pid ${r.pid}, ${formatMb(r.rssKb)} resident${r.startupMs === undefined ? '' : `, ready in ${(r.startupMs / 1000).toFixed(1)} s`}`,
    `  inventory    ${short(r.inventory)}`,
    `  target       ${short(r.targetFile)}  (what \`--lab\` commands read)`,
    `  operator key ${short(r.operatorKey)}`,
    `  log          ${short(r.logFile)}`,
    `  faults       ${r.faults.length === 0 ? 'none' : r.faults.map((f) => `${f.selector}: ${f.faults}`).join('; ')}`,
    '',
    `Look around: ssh -i ${short(r.operatorKey)} -o UserKnownHostsFile=${short(path.join(r.labDir, 'openssh_known_hosts'))} -p ${firstPort} root@${r.addresses.first}`,
    'Roll out:    lastmile rollout --lab',
    'Stop:        lastmile lab down',
  ]
  return lines.join('\n')
}

export function formatStop(r: StopLabResult): string {
  const lines = [
    r.stopped ? `lab down: daemon ${r.pid} stopped` : 'lab down: no lab was running',
    ...(r.killedStationProcesses > 0 ? [`  ${r.killedStationProcesses} station process${r.killedStationProcesses === 1 ? '' : 'es'} (agent watchdogs, commands) killed`] : []),
    r.purged ? '  station roots, keys and logs removed (--purge)' : '  station roots kept (their configs and agent state survive; --purge removes them)',
  ]
  return lines.join('\n')
}

export function formatStatus(r: LabStatusResult): string {
  if (!r.running) {
    return r.stale
      ? `lab: not running (daemon ${r.pid} is gone; run \`lastmile lab down\` to clean up, then \`lastmile lab up\`)`
      : 'lab: not running (start it with `lastmile lab up`)'
  }
  const lines = [
    `lab: running, pid ${r.pid}, ${formatMb(r.rssKb)} resident, since ${r.startedAt ?? '?'}`,
    `  ${r.stations} stations${r.synthesized ? ` (${r.synthesized} made up)` : ''}, shell ${r.shell}, inventory ${r.inventory ? short(r.inventory) : '?'}`,
    `  pending applies: ${r.pendingApplies}   link down: ${r.linkDown}`,
    `  faults: ${r.faults.length === 0 ? 'none' : r.faults.map((f) => `${f.selector}: ${f.faults}`).join('; ')}`,
  ]
  const notable = r.perStation.filter((s) => s.pending || s.linkDown || s.faults)
  if (notable.length > 0) {
    lines.push('')
    lines.push(
      formatTable(
        ['station', 'name', 'address', 'pending', 'link', 'faults'],
        notable.map((s) => [s.id, s.name, `${s.host}:${s.port}`, s.pending, s.linkDown ? 'down' : 'up', s.faults || '-']),
        { align: ['left', 'left', 'left', 'right', 'left', 'left'] },
      ),
    )
    if (notable.length < r.perStation.length) lines.push(`(${r.perStation.length - notable.length} other stations: nothing pending, link up, no faults)`)
  }
  return lines.join('\n')
}

export function formatFaultChange(r: FaultChangeResult, verb: 'set' | 'cleared'): string {
  const own = Object.keys(r.faults).length
  return [
    `faults ${verb} for ${r.selector} (${r.stations} station${r.stations === 1 ? '' : 's'})${own ? `: now ${r.rules.find((x) => x.selector === r.selector)?.faults ?? ''}` : ''}`,
    `in force: ${r.rules.length === 0 ? 'none' : r.rules.map((x) => `${x.selector}: ${x.faults}`).join('; ')}`,
    'Station-side faults (diskFull, failReload, unplug, wanDown) are in place now; connection faults apply to the next connection.',
  ].join('\n')
}
