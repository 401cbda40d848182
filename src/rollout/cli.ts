import { createInterface } from 'node:readline/promises'
import { Flags } from '@oclif/core'
import { UsageError } from '../cli/errors.js'
import type { RunOptions, RunPreview } from './service.js'
import { chooseReporter, type ProgressReporter } from './progress.js'
import { installInterrupts } from './interrupt.js'
import type { RunHandle } from './service.js'

/** Flags `push` and `rollout` share. */
export const runFlags = {
  yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required for real stations when not on a terminal, e.g. CI).', default: false }),
  'confirm-within': Flags.integer({ summary: 'Seconds a station waits for the confirm before its watchdog rolls the apply back (default: district.rollout.confirmWithinSeconds).', min: 5, max: 86400 }),
  concurrency: Flags.integer({ summary: 'At most this many stations at once (default: district.rollout.maxConcurrent); per town at most district.rollout.perTownConcurrent.', min: 1, max: 500 }),
  stack: Flags.string({ summary: 'Pulumi stack whose outputs (hub, portal, monitoring) the configs use: stacks/district/Pulumi.<stack>.yaml. Default: lab with --lab, else prod.' }),
}

/** "25%" → percent batches; "10" → town waves of at most 10 stations. */
export function parseWaveSize(text: string | undefined, byTown: boolean): Pick<RunOptions, 'strategy' | 'waveSize'> {
  if (text === undefined) return { strategy: 'town' }
  const pct = /^(\d{1,3}(?:\.\d+)?)%$/.exec(text.trim())
  if (pct) {
    if (byTown) throw new UsageError('--wave-size N% and --by-town are alternatives', 'Use --wave-size 20% for percentage batches, or --by-town [--wave-size N] for town waves of at most N stations.')
    const p = Number(pct[1])
    if (!(p > 0 && p <= 100)) throw new UsageError(`--wave-size ${text}: the percentage must be between 1% and 100%`, 'e.g. --wave-size 20%')
    return { strategy: { percent: p } }
  }
  if (/^\d+$/.test(text.trim()) && Number(text) > 0) return { strategy: 'town', waveSize: Number(text) }
  throw new UsageError(`--wave-size ${text} is neither a percentage (20%) nor a number of stations (10)`, 'e.g. --wave-size 20% or --by-town --wave-size 10')
}

function ci(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
}

/**
 * Interactive confirmation. Real stations: asked on a terminal; without a
 * terminal (or under CI) --yes is required. The lab needs no --yes.
 */
export function confirmer(opts: { yes: boolean; lab: boolean; json: boolean; env?: NodeJS.ProcessEnv }): RunOptions['confirm'] {
  const env = opts.env ?? process.env
  if (opts.yes || opts.lab) return undefined
  const interactive = process.stdin.isTTY && process.stderr.isTTY && !ci(env) && !opts.json
  return async (p: RunPreview) => {
    // The preflight found every station up to date: nothing will change, nothing to ask.
    if (p.upToDate !== undefined && p.upToDate >= p.stations && !p.resume) return true
    if (!interactive) {
      throw new UsageError(`${p.command} would change ${p.stations} real station${p.stations === 1 ? '' : 's'} and there is no terminal to confirm on`, 'Pass --yes to confirm non-interactively (CI), or --lab to target the lab.')
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    try {
      const waves = p.waves.length > 6 ? `${p.waves.slice(0, 6).map((w) => `${w.name}(${w.stations})`).join(' → ')} → …` : p.waves.map((w) => `${w.name}(${w.stations})`).join(' → ')
      const rest = p.upToDate ? `${p.upToDate} already up to date; ${p.stations - p.upToDate} to change (or not reached yet): ` : ''
      const a = await rl.question(`${p.resume ? `Resume ${p.resume}: ` : ''}${p.command} to ${p.stations} station${p.stations === 1 ? '' : 's'} in ${p.towns} town${p.towns === 1 ? '' : 's'}: ${rest}${waves}. Continue? [y/N] `)
      return /^y(es)?$/i.test(a.trim())
    } finally {
      rl.close()
    }
  }
}

/**
 * Reporter + Ctrl-C handling for a run. The second Ctrl-C exits the process at
 * once (the one exit below the entry point, on purpose: waiting for anything
 * is what the user just refused); the run leaves a journal line first.
 */
export function runtime(json: boolean, command: string): { reporter: ProgressReporter; stop: AbortSignal; onRunStarted: (h: RunHandle) => void; dispose: () => void } {
  const reporter = chooseReporter({ json, stream: process.stderr })
  let handle: RunHandle | undefined
  const { controller, dispose } = installInterrupts({
    onFirst: () => {
      reporter.note('interrupted: starting no new stations; the ones in flight finish (confirm or roll back). Ctrl-C again to exit now (the stations\' watchdogs roll back anything unconfirmed).')
    },
    onSecond: () => {
      handle?.hardStop()
      process.stderr.write(`\ninterrupted: exiting now.${handle ? ` Resume with: lastmile ${command === 'push' ? 'rollout' : command} --resume ${handle.runId}` : ''}\n`)
      process.exit(130)
    },
  })
  return { reporter, stop: controller.signal, onRunStarted: (h) => (handle = h), dispose }
}
