import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { UsageError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../cli/flags.js'
import { parseDuration } from '../health/changes.js'
import { healthFromCli } from '../health/cli-service.js'
import { formatPrometheus } from '../health/format-prometheus.js'
import { formatHealthTable } from '../health/format-table.js'
import { needsAttention, type HealthResult } from '../health/result.js'
import { detectLang, type Lang } from '../i18n/lang.js'

export default class Health extends BaseCommand<HealthResult> {
  static override summary = 'Check your stations: reachable, WAN/4G, tunnel, WiFi, USB devices, disk, config drift; town outages as one alert.'
  static override description = [
    'Connects to each station in your scope (one SSH session, one `lastmile-station health`), checks it and prints what is wrong and what to do, grouped by town, worst first.',
    'Your SSH key decides your scope: a town admin sees only their towns, and asking for another town is refused (exit 3). When most of a town is unreachable at once you get one town alert, not one per station.',
    'Each run is appended to .lastmile/health/<date>.jsonl; --since lists the state changes in that window, and a station without an answer for longer than --stale-after is critical "stale".',
    'Exit 0: everything ok or only warnings. Exit 4: anything critical or unreachable. Exit 3: a town or station outside your scope. See docs/health.md.',
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> health',
    '<%= config.bin %> health --town 凤城街道 --lang zh',
    '<%= config.bin %> health --lab --since 24h',
    '<%= config.bin %> health --format prometheus > /var/lib/node_exporter/textfile/lastmile.prom.$$',
    '<%= config.bin %> health --station 441802006001 --json',
  ]
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    lang: Flags.string({ summary: 'Language of the reasons: zh or en (default: from LANG/LC_ALL).', options: ['zh', 'en'] }),
    since: Flags.string({ summary: 'Also list state changes in this window, e.g. 24h, 7d.' }),
    'stale-after': Flags.string({ summary: 'A station without an answer for longer than this is critical "stale".', default: '24h' }),
    format: Flags.string({ summary: 'table for people, prometheus for the node_exporter textfile collector.', options: ['table', 'prometheus'], default: 'table' }),
    as: Flags.string({ summary: 'View as this operator: must be your key\'s operator (a district key may narrow to a town operator\'s view).' }),
    concurrency: Flags.integer({ summary: 'Stations probed at once (default: district rollout.maxConcurrent).', min: 1, max: 500 }),
  }

  private lang: Lang = 'en'
  private format = 'table'

  protected async execute(): Promise<HealthResult> {
    const { flags } = await this.parse(Health)
    this.lang = (flags.lang as Lang | undefined) ?? detectLang(process.env)
    this.format = flags.format
    const sinceMs = flags.since === undefined ? undefined : duration('--since', flags.since)
    const staleAfterMs = duration('--stale-after', flags['stale-after'])
    const result = await healthFromCli({
      inventoryDir: flags.inventory,
      inventoryExplicit: this.inventoryGiven(),
      ...(flags.town ? { towns: flags.town } : {}),
      ...(flags.station ? { stations: flags.station } : {}),
      lab: flags.lab,
      ...(flags.as ? { as: flags.as } : {}),
      ...(sinceMs ? { sinceMs } : {}),
      staleAfterMs,
      ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
      warn: (t) => this.warn(t),
    })
    if (needsAttention(result)) this.setStatus(ExitCode.PartialFailure)
    return result
  }

  protected display(r: HealthResult): string {
    if (this.format === 'prometheus') return formatPrometheus(r).replace(/\n$/, '')
    return formatHealthTable(r, { lang: this.lang })
  }
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a duration`, `Write a number and a unit: 90s, 30m, 24h, 7d or 2w.`)
  return ms
}
