import { describe, expect, it } from 'vitest'
import { configOf, poolSessions, type PoolRun } from '../../bench/lib/pooled.js'
import { pooledTables } from '../../bench/summarize.js'

const run = (tool: string, wallS: number, o: Partial<PoolRun> = {}): PoolRun => ({
  mode: 'fleet',
  size: 152,
  rttMs: 200,
  phase: 'cold',
  tool,
  valid: true,
  m: { wallS, controllerCpuS: wallS / 10, stationCpuS: wallS / 2 },
  ...o,
})

describe('pooling fleet runs over sessions', () => {
  it('treats a sweep run and ansibleBest at the same forks as one configuration', () => {
    expect(configOf({ tool: 'ansible20' })).toEqual({ tool: 'ansible', forks: 20 })
    expect(configOf({ tool: 'ansibleBest', forks: 20 })).toEqual({ tool: 'ansible', forks: 20 })
    expect(configOf({ tool: 'ansible5' })).toEqual({ tool: 'ansible', forks: 5 })
    expect(configOf({ tool: 'ansibleBest' })).toBeUndefined()
  })

  it('pools times over every valid run, and takes each ratio within one session', () => {
    const rows = poolSessions([
      // session A: lastmile twice (100, 120 → median 110), Ansible at forks 20 once (1100): 10×
      { file: 'a', runs: [run('lastmile', 100), run('lastmile', 120), run('ansibleBest', 1100, { forks: 20 })] },
      // session B: a slower machine state, both tools slower: 2000 / 250 = 8×
      { file: 'b', runs: [run('lastmile', 250), run('ansibleBest', 2000, { forks: 20 })] },
      // session C: a sweep run alone, no lastmile beside it; and a timed-out run
      { file: 'c', runs: [run('ansible20', 1500), run('ansible20', 9999, { valid: false })] },
      // lab-scale runs have no Ansible side and are not pooled
      { file: 'd', runs: [run('lastmile', 1, { mode: 'lab' })] },
    ])
    expect(rows.map((r) => [r.tool, r.forks, r.sessions, r.runs])).toEqual([
      ['lastmile', undefined, 2, 3],
      ['ansible', 20, 3, 3],
    ])
    const ansible = rows[1]!
    expect(ansible.wallS).toEqual({ n: 3, median: 1500, min: 1100, max: 2000 })
    // not 1500 / 120 (pooled medians across sessions): the median of 10× and 8×
    expect(ansible.vsLastmile!.sessions).toBe(2)
    expect(ansible.vsLastmile!.wall).toEqual({ n: 2, median: 9, min: 8, max: 10 })
  })

  it('prints the per-session ratio range, and says when a configuration never ran beside lastmile', () => {
    const rows = poolSessions([
      { file: 'a', runs: [run('lastmile', 100), run('ansible5', 1000), run('lastmile', 10, { phase: 'nochange' })] },
      { file: 'b', runs: [run('lastmile', 100), run('ansible5', 1200)] },
      { file: 'c', runs: [run('ansible50', 900, { phase: 'nochange' })] },
    ])
    const table = pooledTables(rows, 3).join('\n')
    expect(table).toContain('pooled over 3 result files')
    expect(table).toMatch(/\| cold \(all files new, agent not installed\) \| Ansible, forks 5 \(default\) \| 2 \| 2 \| 1100 \(1000–1200\) \| .* \| 11× \(10–12×, 2 sessions\) \|/)
    expect(table).toMatch(/\| no-change rerun \| Ansible, forks 50 \| 1 \| 1 \| 900 \| 540 \| — \(never beside lastmile\) \|/)
  })
})
