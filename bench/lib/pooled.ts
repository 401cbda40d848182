/**
 * Pooling fleet runs over several sessions (raw files of bench/run.ts), for the figures
 * that took more than one session to collect: an Ansible phase at 152 stations takes 17–42
 * minutes here, so its repetitions are spread over runs of the harness on different days.
 *
 * Times are pooled: median and range over every valid run of a configuration. Ratios are
 * not taken between pooled medians (lastmile of one session against Ansible of another
 * would mix machine states): each session that ran both tools in the same phase gives one
 * ratio, of its own medians, and the table reports the median and range of those ratios.
 */
import { spread, type Spread } from './stats.js'
import { forksOf } from './tools.js'

/** What pooling needs of a run record of bench/run.ts. */
export interface PoolRun {
  mode: string
  size: number
  rttMs: number
  phase: string
  tool: string
  forks?: number
  valid: boolean
  m: { wallS: number; controllerCpuS: number; stationCpuS: number }
}

export interface PoolSession {
  file: string
  runs: readonly PoolRun[]
}

export interface PooledRow {
  size: number
  rttMs: number
  phase: string
  /** 'lastmile', 'rollout', or 'ansible' with its forks */
  tool: 'lastmile' | 'rollout' | 'ansible'
  forks?: number
  /** sessions (raw files) with at least one valid run of this configuration */
  sessions: number
  runs: number
  wallS: Spread
  /** controller + stations */
  cpuS: Spread
  /** per-session ratios to lastmile push (absent for lastmile itself) */
  vsLastmile?: { sessions: number; wall: Spread; cpu: Spread }
}

/** The configuration a run measured: sweep runs (`ansible20`) and `ansibleBest` at forks 20 are the same thing. */
export function configOf(r: Pick<PoolRun, 'tool' | 'forks'>): { tool: PooledRow['tool']; forks?: number } | undefined {
  if (r.tool === 'lastmile' || r.tool === 'rollout') return { tool: r.tool }
  if (r.tool === 'ansibleBest') return r.forks ? { tool: 'ansible', forks: r.forks } : undefined
  const forks = forksOf(r.tool)
  return forks !== undefined ? { tool: 'ansible', forks } : undefined
}

const total = (r: PoolRun): number => r.m.controllerCpuS + r.m.stationCpuS

/** Fleet runs only (lab-scale runs have no Ansible side); invalid runs are left out. */
export function poolSessions(sessions: readonly PoolSession[]): PooledRow[] {
  type Key = string
  const keyOf = (r: PoolRun, c: NonNullable<ReturnType<typeof configOf>>): Key => JSON.stringify([r.size, r.rttMs, r.phase, c.tool, c.forks ?? 0])
  const groups = new Map<Key, { row: Omit<PooledRow, 'sessions' | 'runs' | 'wallS' | 'cpuS'>; bySession: Map<string, PoolRun[]> }>()
  for (const s of sessions) {
    for (const r of s.runs) {
      const c = configOf(r)
      if (r.mode !== 'fleet' || !r.valid || !c) continue
      const k = keyOf(r, c)
      const g = groups.get(k) ?? { row: { size: r.size, rttMs: r.rttMs, phase: r.phase, ...c }, bySession: new Map() }
      g.bySession.set(s.file, [...(g.bySession.get(s.file) ?? []), r])
      groups.set(k, g)
    }
  }
  const rows: PooledRow[] = []
  for (const { row, bySession } of groups.values()) {
    const all = [...bySession.values()].flat()
    const out: PooledRow = { ...row, sessions: bySession.size, runs: all.length, wallS: spread(all.map((r) => r.m.wallS)), cpuS: spread(all.map(total)) }
    if (row.tool !== 'lastmile') {
      const base = groups.get(JSON.stringify([row.size, row.rttMs, row.phase, 'lastmile', 0]))
      const wall: number[] = []
      const cpu: number[] = []
      for (const [file, runs] of bySession) {
        const lm = base?.bySession.get(file)
        if (!lm?.length) continue
        wall.push(spread(runs.map((r) => r.m.wallS)).median / spread(lm.map((r) => r.m.wallS)).median)
        cpu.push(spread(runs.map(total)).median / spread(lm.map(total)).median)
      }
      out.vsLastmile = { sessions: wall.length, wall: spread(wall), cpu: spread(cpu) }
    }
    rows.push(out)
  }
  const rank = (r: PooledRow): number => (r.tool === 'lastmile' ? 0 : r.tool === 'rollout' ? 1 : 2 + (r.forks ?? 0) / 1000)
  const phases = ['cold', 'nochange', 'onefile']
  return rows.sort((a, b) => a.size - b.size || a.rttMs - b.rttMs || phases.indexOf(a.phase) - phases.indexOf(b.phase) || rank(a) - rank(b))
}
