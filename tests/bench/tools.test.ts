import { describe, expect, it } from 'vitest'
import { ansibleArgs, forksOf, judge, lastmileArgs, toolKind } from '../../bench/lib/tools.js'

const lm = (totals: Record<string, number>, n = 2): string => JSON.stringify({ status: 0, result: { totals: { confirmed: 0, unchanged: 0, failed: 0, rolledBack: 0, unreachable: 0, skipped: 0, ...totals }, stations: Array.from({ length: n }, (_, i) => ({ id: String(i) })) } })
const recap = (lines: string[]): string => ['PLAY RECAP ***', ...lines.map((l, i) => `h${i} : ${l} rescued=0 ignored=0`)].join('\n')

describe('the tools under test', () => {
  it('names tools: lastmile, rollout, ansible<forks>, ansibleBest', () => {
    expect(toolKind('lastmile')).toEqual({ kind: 'lastmile', command: 'push' })
    expect(toolKind('rollout')).toEqual({ kind: 'lastmile', command: 'rollout' })
    expect(toolKind('ansible50')).toEqual({ kind: 'ansible', forks: 50 })
    expect(toolKind('ansibleBest', 20)).toEqual({ kind: 'ansible', forks: 20 })
    expect(() => toolKind('salt')).toThrow(/unknown tool/)
    expect(() => toolKind('ansible0')).toThrow(/unknown tool/)
  })

  it('reads the forks from a fixed-forks name only: ansibleBest has none until a run chooses them', () => {
    expect(forksOf('ansible5')).toBe(5)
    expect(forksOf('ansible120')).toBe(120)
    for (const name of ['ansibleBest', 'ansible', 'ansible0', 'ansible020', 'lastmile', 'rollout', 'xansible5']) expect(forksOf(name), name).toBeUndefined()
  })

  it('builds the command lines', () => {
    expect(lastmileArgs({ cli: 'bin/run.js', command: 'push', inventory: 'inv', stations: ['a', 'b'] })).toEqual(['bin/run.js', 'push', '--lab', '--yes', '--json', '--inventory', 'inv', '--station', 'a', '--station', 'b'])
    expect(lastmileArgs({ cli: 'x', command: 'rollout' })).toEqual(['x', 'rollout', '--lab', '--yes', '--json'])
    expect(ansibleArgs({ playbook: 'site.yml', hosts: 'hosts.yml', forks: 5 })).toEqual(['-i', 'hosts.yml', '-f', '5', 'site.yml'])
  })

  it('accepts a lastmile run only when every station ended as the phase requires', () => {
    expect(judge('lastmile', 'cold', 2, 0, lm({ confirmed: 2 })).valid).toBe(true)
    expect(judge('lastmile', 'nochange', 2, 0, lm({ unchanged: 2 })).valid).toBe(true)
    expect(judge('lastmile', 'nochange', 2, 0, lm({ confirmed: 2 })).valid).toBe(false)
    expect(judge('lastmile', 'cold', 2, 4, lm({ confirmed: 1, failed: 1 })).why).toMatch(/exit 4/)
    expect(judge('lastmile', 'cold', 2, 0, 'garbage').valid).toBe(false)
  })

  it('accepts an Ansible run only without failures, and with nothing changed on a rerun', () => {
    const ok = 'ok=9 changed=9 unreachable=0 failed=0 skipped=0'
    expect(judge('ansible', 'cold', 2, 0, recap([ok, ok])).valid).toBe(true)
    expect(judge('ansible', 'nochange', 2, 0, recap([ok, ok])).why).toMatch(/changed 18/)
    expect(judge('ansible', 'onefile', 2, 0, recap([ok, 'ok=9 changed=0 unreachable=0 failed=0 skipped=0'])).why).toMatch(/1 of 2 hosts/)
    expect(judge('ansible', 'cold', 2, 4, recap([ok, 'ok=0 changed=0 unreachable=1 failed=0 skipped=0'])).valid).toBe(false)
  })
})
