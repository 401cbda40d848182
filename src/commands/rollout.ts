import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../cli/flags.js'
import { confirmer, parseWaveSize, runFlags, runtime } from '../rollout/cli.js'
import { exitCodeFor, formatRolloutResult, type RolloutResult } from '../rollout/result.js'
import { runRollout, type DryRunResult } from '../rollout/service.js'

export default class Rollout extends BaseCommand<RolloutResult> {
  static override summary = 'Roll the rendered configs out in safe waves: canaries, then town by town, with abort thresholds, a journal and resume.'
  static override description = `Validates the inventory, runs the cloud step, renders every selected station, then pushes in waves: wave 0 is one canary per town (or the inventory's canary: true stations), then one wave per town (or --wave-size N% batches). Each station: probe (one exec; up to date → done), apply only the changed files, confirm over a new connection (else the station's watchdog rolls back), record, health. Unreachable stations are retried at the end of their wave and counted apart from failures. The rollout stops when a wave or the run exceeds a threshold (a canary failure always stops it). Every event is fsync'd to .lastmile/runs/<run-id>.jsonl; --resume continues a crashed or interrupted run. Ctrl-C once: no new stations, in-flight ones finish; twice: exit now.

Exit: 0 all confirmed or unchanged · 4 some failed, rolled back, unreachable or not started · 5 aborted by a threshold · 7 another rollout holds the lock · 3 invalid inventory.`
  static override examples = [
    '<%= config.bin %> rollout --lab',
    '<%= config.bin %> rollout --town fengcheng --yes',
    '<%= config.bin %> rollout --wave-size 20% --max-failure-percent 5 --min-executed 10',
    '<%= config.bin %> rollout --resume',
    '<%= config.bin %> rollout --resume 20251129T021305123Z-a1b2c3 --break-lock',
  ]
  static override args = {
    runId: Args.string({ description: 'With --resume: the run to resume (default: the latest unfinished one).', required: false }),
  }
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    ...runFlags,
    'wave-size': Flags.string({ summary: 'Waves of N% of the stations (after the canaries), or with --by-town at most N stations per town wave.' }),
    'by-town': Flags.boolean({ summary: 'One wave per town after the canaries (the default).', default: false }),
    resume: Flags.boolean({ summary: 'Continue a crashed or interrupted run from its journal (give the run id as argument, default the latest unfinished).', default: false }),
    'max-failure-percent': Flags.integer({ summary: 'Abort when failed + rolled back exceed this % of the executed stations, in a wave or overall (default 10).', min: 0, max: 100 }),
    'min-executed': Flags.integer({ summary: 'Thresholds apply only once this many stations have executed (default 10).', min: 0 }),
    'max-unreachable-percent': Flags.integer({ summary: 'Abort when unreachable stations exceed this % of the executed ones (default 25).', min: 0, max: 100 }),
    pause: Flags.integer({ summary: 'Seconds to wait between waves (time for monitoring to notice trouble).', min: 0, default: 0 }),
    'break-lock': Flags.boolean({ summary: 'Remove a stale rollout lock (its process is dead) and take it.', default: false }),
    'keep-lab': Flags.boolean({ summary: 'With --lab and no lab running: leave the lab started for this rollout running afterwards.', default: false }),
  }

  protected async execute(): Promise<RolloutResult> {
    const { flags, args } = await this.parse(Rollout)
    if (args.runId && !flags.resume) this.error(`unexpected argument ${args.runId}: a run id goes with --resume`, { exit: 2 })
    const rt = runtime(this.jsonEnabled(), 'rollout')
    try {
      const r = await runRollout({
        startupMs: performance.now(),
        command: 'rollout',
        inventoryDir: flags.inventory,
        inventoryExplicit: this.inventoryGiven(),
        towns: flags.town,
        stations: flags.station,
        lab: flags.lab,
        keepLab: flags['keep-lab'],
        ...(flags['confirm-within'] ? { confirmWithinS: flags['confirm-within'] } : {}),
        ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
        ...parseWaveSize(flags['wave-size'], flags['by-town']),
        thresholds: {
          ...(flags['max-failure-percent'] !== undefined ? { maxFailurePercent: flags['max-failure-percent'] } : {}),
          ...(flags['min-executed'] !== undefined ? { minExecuted: flags['min-executed'] } : {}),
          ...(flags['max-unreachable-percent'] !== undefined ? { maxUnreachablePercent: flags['max-unreachable-percent'] } : {}),
        },
        pauseS: flags.pause,
        ...(flags.resume ? { resume: args.runId ?? 'latest' } : {}),
        breakLock: flags['break-lock'],
        ...(flags.stack ? { stack: flags.stack } : {}),
        yes: flags.yes,
        reporter: rt.reporter,
        stop: rt.stop,
        onRunStarted: rt.onRunStarted,
        confirm: confirmer({ yes: flags.yes, lab: flags.lab, json: this.jsonEnabled() }),
        warn: (t) => this.warn(t),
      })
      const result = r as RolloutResult | DryRunResult
      if ('dryRun' in result) throw new Error('bug: rollout has no dry run')
      this.setStatus(exitCodeFor(result))
      return result
    } finally {
      rt.dispose()
    }
  }

  protected display(r: RolloutResult): string {
    return formatRolloutResult(r)
  }
}
