/*
 * Merges raw results of bench/run.ts into the committed summary and prints the
 * Markdown tables of docs/BENCHMARKS.md: per fleet size and RTT, phases × tools; one
 * table of every lab-scale run (stations, RTT, tool, phase); the counting pass.
 *
 *   npx tsx bench/summarize.ts bench/results/<date>-*.raw.json [--out bench/results/summary-<date>.json]
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Results } from './run.js'
import { poolSessions, type PooledRow } from './lib/pooled.js'
import { fmt, formatRatio, formatSpread, ratio, spread, type Spread } from './lib/stats.js'
import { forksOf } from './lib/tools.js'

type Row = Results['summary'][number]
type Run = Results['runs'][number]

const PHASE_NAMES: Record<string, string> = { cold: 'cold (all files new, agent not installed)', nochange: 'no-change rerun', onefile: 'one file changed on every station' }
const TOOL_NAMES: Record<string, string> = { lastmile: 'lastmile push', rollout: 'lastmile rollout' }

/** `swept`: a forks sweep ran at this RTT, so ansibleBest's forks are the faster of the sweep, not just a --best-forks value. */
function toolName(r: { tool: string; forks?: number }, swept = true): string {
  if (TOOL_NAMES[r.tool]) return TOOL_NAMES[r.tool]!
  if (r.tool === 'ansibleBest') return `Ansible, forks ${r.forks ?? '?'} (${swept ? 'best of the sweep' : 'set by --best-forks, no sweep'})`
  const forks = forksOf(r.tool)
  return forks !== undefined ? ansibleAtForks(forks) : r.tool
}

/** A sweep run's name (`ansible20`) and a pooled row's (tool 'ansible', forks 20) are the same. */
function ansibleAtForks(forks: number | undefined): string {
  return `Ansible, forks ${forks ?? '?'}${forks === 5 ? ' (default)' : ''}`
}

export interface Summary {
  format: 1
  generatedFrom: string[]
  machine: Record<string, unknown>
  runs: Array<{ file: string; command: string; startedAt: string; finishedAt?: string; loadAvgAtStart: unknown; loadAvgAtEnd: unknown; git: unknown }>
  rows: Array<Row & { loadAvg1: Spread; machineBusy: Spread; perStation?: Run['perStation']; totalCpuS: Spread }>
  identity: { checks: number; identical: number; stations: number; files: number; mismatches: string[] }
  forksSweep: Results['forksSweep']
  bestForks: Record<string, number>
  /** fleet runs pooled over the input files (see lib/pooled.ts): what the tables show when there are several */
  pooled: PooledRow[]
  notes: string[]
}

export function buildSummary(files: Array<{ file: string; results: Results }>): Summary {
  const rows: Summary['rows'] = []
  for (const { results } of files) {
    for (const row of results.summary) {
      const runs = results.runs.filter((r) => r.mode === row.mode && r.size === row.size && r.rttMs === row.rttMs && r.phase === row.phase && r.tool === row.tool && r.valid)
      rows.push({
        ...row,
        totalCpuS: spread(runs.map((r) => r.m.controllerCpuS + r.m.stationCpuS)),
        loadAvg1: spread(runs.map((r) => r.m.loadAvg1Before)),
        machineBusy: spread(runs.map((r) => r.m.machineBusy)),
        ...(runs[0]?.perStation ? { perStation: runs[0].perStation } : {}),
      })
    }
  }
  const identity = files.flatMap((f) => f.results.identity)
  const first = files[0]?.results
  return {
    format: 1,
    generatedFrom: files.map((f) => path.basename(f.file)),
    machine: first?.machine ?? {},
    runs: files.map(({ file, results }) => ({
      file: path.basename(file),
      command: results.command,
      startedAt: results.startedAt,
      ...(results.finishedAt ? { finishedAt: results.finishedAt } : {}),
      loadAvgAtStart: results.machine.loadAvgAtStart,
      loadAvgAtEnd: results.machine.loadAvgAtEnd,
      git: (results.config as { git?: unknown }).git,
    })),
    rows,
    identity: {
      checks: identity.length,
      identical: identity.filter((i) => i.identical).length,
      stations: Math.max(0, ...identity.map((i) => i.stations)),
      files: identity.reduce((n, i) => n + i.files, 0),
      mismatches: identity.filter((i) => !i.identical).map((i) => `${i.rttMs} ms rep ${i.rep} ${i.tool} ${i.phase} vs ${i.against}: ${i.differences.slice(0, 3).join('; ')}`),
    },
    forksSweep: files.flatMap((f) => f.results.forksSweep),
    bestForks: Object.assign({}, ...files.map((f) => f.results.bestForks)) as Record<string, number>,
    pooled: poolSessions(files.map((f) => ({ file: path.basename(f.file), runs: f.results.runs }))),
    notes: [...new Set(files.flatMap((f) => f.results.notes))],
  }
}

const PHASE_ORDER = ['cold', 'nochange', 'onefile']

/**
 * One Markdown table per (mode, size, RTT) of fleet runs: phases × tools; one table of all
 * lab-scale runs (size, RTT, tool, phase); the counting pass.
 */
export function markdownTables(s: Summary): string {
  const out: string[] = []
  const groups = new Map<string, Summary['rows']>()
  // Several sessions: their fleet rows would repeat per file, with a ratio against whichever
  // lastmile row came first; the pooled tables take a ratio within each session instead.
  const pooled = s.generatedFrom.length > 1
  if (pooled) out.push(...pooledTables(s.pooled, s.generatedFrom.length))
  for (const r of s.rows) {
    if (pooled && r.mode === 'fleet') continue
    if (r.mode === 'count' || r.mode === 'lab') continue
    const k = `${r.mode}|${r.size}|${r.rttMs}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  for (const [k, rows] of groups) {
    const [mode, size, rtt] = k.split('|')
    out.push(`#### ${size} ${mode === 'lab' ? 'lab stations (`lab up --stations`, synthesized beyond the inventory)' : 'stations (one OpenSSH sshd each)'}, ${rtt} ms added RTT`, '')
    out.push('| phase | tool | runs | wall s | controller CPU s | station CPU s | peak RSS MiB (largest process / all, PSS) | × lastmile push (wall / CPU) |')
    out.push('|---|---|---|---|---|---|---|---|')
    for (const phase of PHASE_ORDER) {
      const byTool = rows.filter((r) => r.phase === phase)
      const base = byTool.find((r) => r.tool === 'lastmile')
      for (const r of byTool.sort((a, b) => order(a.tool) - order(b.tool))) {
        const cpuRatio = base ? ratio(base.totalCpuS, r.totalCpuS) : NaN
        const rel = r.tool === 'lastmile' ? '1×' : base ? `${formatRatio(ratio(base.wallS, r.wallS))} / ${formatRatio(cpuRatio)}` : '—'
        out.push(
          `| ${PHASE_NAMES[phase] ?? phase} | ${toolName(r, s.forksSweep.some((f) => f.rttMs === r.rttMs))} | ${r.runs - r.invalid}${r.invalid ? ` (+${r.invalid} invalid)` : ''} | ${formatSpread(r.wallS)} | ${formatSpread(r.controllerCpuS)} | ${formatSpread(r.stationCpuS)} | ${fmt(r.peakRssMiB.median)} / ${fmt(r.peakPssMiB.median)} | ${rel} |`,
        )
      }
    }
    const loads = rows.flatMap((r) => (Number.isFinite(r.loadAvg1.min) ? [r.loadAvg1.min, r.loadAvg1.max] : []))
    if (loads.length) out.push('', `Load average (1 min) at the start of these runs: ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}.`)
    out.push('')
  }
  out.push(...labTable(s.rows.filter((r) => r.mode === 'lab')))
  const counts = s.rows.filter((r) => r.mode === 'count' && r.perStation)
  if (counts.length) {
    out.push('#### What each tool does per station (sshd LogLevel DEBUG1, counting pass)', '')
    out.push('| phase | tool | SSH connections | exec channels | sftp sessions |', '|---|---|---|---|---|')
    for (const r of counts.sort((a, b) => order(a.tool) - order(b.tool) || PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase))) {
      const p = r.perStation!
      out.push(`| ${PHASE_NAMES[r.phase] ?? r.phase} | ${toolName(r)} | ${fmt(p.connections)} | ${fmt(p.execs)} | ${fmt(p.subsystems)} |`)
    }
    out.push('')
  }
  return out.join('\n')
}

/**
 * Fleet runs pooled over sessions: one table per (size, RTT). Times: median (range) of every
 * run; ratios: median (range) of the per-session ratios, from sessions that ran both tools.
 */
export function pooledTables(rows: readonly PooledRow[], files: number): string[] {
  const out: string[] = []
  const groups = new Map<string, PooledRow[]>()
  for (const r of rows) groups.set(`${r.size}|${r.rttMs}`, [...(groups.get(`${r.size}|${r.rttMs}`) ?? []), r])
  for (const [k, group] of groups) {
    const [size, rtt] = k.split('|')
    out.push(`#### ${size} stations (one OpenSSH sshd each), ${rtt} ms added RTT, pooled over ${files} result files`, '')
    out.push('| phase | tool | sessions | runs | wall s | CPU s (controller + stations) | × lastmile push, wall (per session) | × lastmile push, CPU (per session) |')
    out.push('|---|---|---|---|---|---|---|---|')
    for (const r of group) {
      // named as a sweep run at these forks (a pooled row mixes sweep and --best-forks runs)
      const name = r.tool === 'ansible' ? ansibleAtForks(r.forks) : toolName(r)
      const vs = (x: Spread | undefined): string => {
        if (r.tool === 'lastmile') return '1×'
        const n = r.vsLastmile?.sessions ?? 0
        if (!x || n === 0) return '— (never beside lastmile)'
        return n === 1 ? `${formatRatio(x.median)} (1 session)` : `${formatRatio(x.median)} (${formatRatio(x.min).replace('×', '')}–${formatRatio(x.max)}, ${n} sessions)`
      }
      out.push(`| ${PHASE_NAMES[r.phase] ?? r.phase} | ${name} | ${r.sessions} | ${r.runs} | ${formatSpread(r.wallS)} | ${formatSpread(r.cpuS)} | ${vs(r.vsLastmile?.wall)} | ${vs(r.vsLastmile?.cpu)} |`)
    }
    out.push('')
  }
  return out
}

/**
 * Lab-scale runs (`bench/run.ts --lab-scale N`): lastmile alone against `lab up --stations N`,
 * every size and RTT in one table. Lab CPU is the lab daemon's (all stations in one process).
 */
export function labTable(rows: Summary['rows']): string[] {
  if (rows.length === 0) return []
  const out: string[] = []
  out.push('#### lastmile on lab stations (`lab up --stations N`: stations beyond the inventory are synthesized; RTT: the lab\'s `latencyMs` on every station)', '')
  out.push('| stations | RTT ms | tool | phase | runs | wall s, median (min–max) | controller CPU s | lab CPU s | peak RSS MiB (largest process) | peak PSS MiB (all processes) |')
  out.push('|---|---|---|---|---|---|---|---|---|---|')
  const sorted = [...rows].sort((a, b) => a.size - b.size || a.rttMs - b.rttMs || order(a.tool) - order(b.tool) || PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase))
  for (const r of sorted) {
    out.push(
      `| ${r.size} | ${r.rttMs} | ${toolName(r)} | ${PHASE_NAMES[r.phase] ?? r.phase} | ${r.runs - r.invalid}${r.invalid ? ` (+${r.invalid} invalid)` : ''} | ${formatSpread(r.wallS)} | ${formatSpread(r.controllerCpuS)} | ${formatSpread(r.stationCpuS)} | ${formatSpread(r.peakRssMiB)} | ${formatSpread(r.peakPssMiB)} |`,
    )
  }
  const loads = rows.flatMap((r) => (Number.isFinite(r.loadAvg1.min) ? [r.loadAvg1.min, r.loadAvg1.max] : []))
  if (loads.length) out.push('', `Load average (1 min) at the start of these runs: ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}.`)
  out.push('')
  return out
}

function order(tool: string): number {
  return tool === 'lastmile' ? 0 : tool === 'rollout' ? 1 : tool === 'ansible5' ? 2 : tool === 'ansibleBest' ? 9 : 3 + Number(/\d+/.exec(tool)?.[0] ?? 0) / 1000
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const outAt = argv.indexOf('--out')
  const out = outAt >= 0 ? argv[outAt + 1] : undefined
  const inputs = argv.filter((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1))
  if (inputs.length === 0) {
    process.stderr.write('usage: summarize.ts RAW.json… [--out bench/results/summary-<date>.json]\n')
    process.exit(2)
  }
  const files = await Promise.all(inputs.map(async (file) => ({ file, results: JSON.parse(await readFile(file, 'utf8')) as Results })))
  const summary = buildSummary(files)
  if (out) await writeFile(out, JSON.stringify(summary, null, 2) + '\n')
  process.stdout.write(markdownTables(summary) + '\n')
  if (summary.identity.checks > 0 || summary.rows.some((r) => r.mode !== 'lab')) process.stdout.write(`identity: ${summary.identity.identical}/${summary.identity.checks} checks identical (${summary.identity.files} file comparisons)\n`)
  else process.stdout.write('identity: not checked in lab-scale runs (each run is judged by its own result: every station confirmed, or unchanged on the rerun, one file each in the one-file phase)\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
