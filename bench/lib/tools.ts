/**
 * The tools under test, as command lines, and what a correct run of each phase
 * looks like (a run that did not do the job is kept in the results but marked
 * invalid, and left out of the figures).
 */
import path from 'node:path'
import { parseAnsibleRecap, parseLastmileJson, type AnsibleRecap, type LastmileTotals } from './parse.js'

export type Phase = 'cold' | 'nochange' | 'onefile'
export const PHASES: readonly Phase[] = ['cold', 'nochange', 'onefile']

/** `lastmile` = push --lab, `rollout` = rollout --lab, `ansible<N>` = ansible-playbook -f N, `ansibleBest` = the best forks found. */
export type ToolName = string

export interface ToolKind {
  kind: 'lastmile' | 'ansible'
  command?: 'push' | 'rollout'
  forks?: number
}

/**
 * The forks a fixed-forks tool name spells (`ansible20` → 20); undefined for every other
 * name, `ansibleBest` included, whose forks are only known once the run has chosen them.
 * The one place the `ansible<N>` naming is parsed: the harness, the pooling and the
 * summary tables all read it through here.
 */
export function forksOf(name: ToolName): number | undefined {
  // ansible-playbook refuses -f 0; `ansible0` is no tool at all, and `ansible020` would name 20 twice
  const m = /^ansible([1-9]\d*)$/.exec(name)
  return m ? Number(m[1]) : undefined
}

export function toolKind(name: ToolName, bestForks?: number): ToolKind {
  if (name === 'lastmile') return { kind: 'lastmile', command: 'push' }
  if (name === 'rollout') return { kind: 'lastmile', command: 'rollout' }
  if (name === 'ansibleBest') return { kind: 'ansible', forks: bestForks ?? 20 }
  const forks = forksOf(name)
  if (forks !== undefined) return { kind: 'ansible', forks }
  throw new Error(`unknown tool ${name}: use lastmile, rollout, ansible<forks> (forks 1 or more, as ansible-playbook -f takes) or ansibleBest`)
}

export interface LastmileInvocation {
  cli: string
  command: 'push' | 'rollout'
  /** omitted in lab-scale mode: the lab's own (synthesized) inventory is used */
  inventory?: string
  /** only when a subset of the inventory is benchmarked */
  stations?: readonly string[]
  concurrency?: number
}

export function lastmileArgs(i: LastmileInvocation): string[] {
  return [
    i.cli,
    i.command,
    '--lab',
    '--yes',
    '--json',
    ...(i.inventory ? ['--inventory', i.inventory] : []),
    ...(i.stations ?? []).flatMap((s) => ['--station', s]),
    ...(i.concurrency ? ['--concurrency', String(i.concurrency)] : []),
  ]
}

export interface AnsibleInvocation {
  playbook: string
  hosts: string
  forks: number
}

export function ansibleArgs(i: AnsibleInvocation): string[] {
  return ['-i', i.hosts, '-f', String(i.forks), i.playbook]
}

export interface Verdict {
  valid: boolean
  why?: string
  lastmile?: LastmileTotals
  ansible?: AnsibleRecap
}

export interface JudgeOptions {
  /** one-file phase: the one path every station must have changed (see bench/lib/variant.ts) */
  oneFilePath?: string
}

/**
 * Did the run do its phase's job on all `n` stations? lastmile: every station confirmed
 * (cold, onefile) or unchanged (nochange); in the one-file phase, where the result lists
 * each station's changed files, exactly one file (`oneFilePath` when given) on each.
 */
export function judge(kind: ToolKind['kind'], phase: Phase, n: number, exitCode: number | null, stdout: string, opts: JudgeOptions = {}): Verdict {
  if (kind === 'lastmile') {
    const t = parseLastmileJson(stdout)
    if (!t) return { valid: false, why: `no JSON result (exit ${exitCode})` }
    const bad = t.failed + t.rolledBack + t.unreachable + t.skipped
    const want = phase === 'nochange' ? t.unchanged : t.confirmed
    if (exitCode !== 0 || bad > 0 || want !== n) return { valid: false, why: `exit ${exitCode}: ${JSON.stringify(t)} (want ${n} ${phase === 'nochange' ? 'unchanged' : 'confirmed'})`, lastmile: t }
    const c = t.changedFiles
    if (phase === 'onefile' && c && (c.min !== 1 || c.max !== 1 || (opts.oneFilePath !== undefined && (c.paths.length !== 1 || c.paths[0] !== opts.oneFilePath)))) {
      return { valid: false, why: `stations changed ${c.min === c.max ? c.min : `${c.min}–${c.max}`} file(s) (${c.paths.slice(0, 5).join(', ')}${c.paths.length > 5 ? ', …' : ''}), want exactly ${opts.oneFilePath ?? 'one'} on each`, lastmile: t }
    }
    return { valid: true, lastmile: t }
  }
  const r = parseAnsibleRecap(stdout)
  if (!r) return { valid: false, why: `no PLAY RECAP (exit ${exitCode})` }
  if (exitCode !== 0 || r.failed > 0 || r.unreachable > 0 || r.hosts !== n) return { valid: false, why: `exit ${exitCode}: ${JSON.stringify(r)}`, ansible: r }
  if (phase === 'nochange' && r.changed !== 0) return { valid: false, why: `a no-change rerun changed ${r.changed} things`, ansible: r }
  if (phase !== 'nochange' && r.hostsChanged !== n) return { valid: false, why: `${r.hostsChanged} of ${n} hosts changed`, ansible: r }
  return { valid: true, ansible: r }
}

export function playbookPath(repo: string): string {
  return path.join(repo, 'bench', 'ansible', 'site.yml')
}
