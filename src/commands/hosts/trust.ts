import { createInterface } from 'node:readline/promises'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../../cli/flags.js'
import { formatTrust, formatTrustPlan } from '../../ssh/format-hosts.js'
import { trustHosts, type HostTrustResult, type TrustPlanRow } from '../../ssh/hosts.js'
import { lastmileHome } from '../../state/paths.js'

export default class HostsTrust extends BaseCommand<HostTrustResult> {
  static override summary = 'Pin the host keys the selected stations present now (after you verified them).'
  static override description =
    'Scans the selected stations like `hosts scan` and records their keys in <inventory>/known_hosts (with --lab: the lab\'s own known_hosts), one OpenSSH line per station ' +
    '(`host ssh-ed25519 AAAA… lastmile:<id>`, usable with `ssh -o UserKnownHostsFile=`). It shows exactly what it will write and asks first (or takes --yes; without a terminal and without --yes it writes nothing). ' +
    'A station whose key differs from its pin is refused unless you name it with --station and pass --replace, after verifying the new fingerprint with the station on site or by phone. Other lines of the file are kept; the file is replaced atomically.'
  static override examples = [
    '<%= config.bin %> hosts trust --town 飞来峡镇',
    '<%= config.bin %> hosts trust --station 441802104201 --replace --yes',
    '<%= config.bin %> hosts trust --lab --yes',
  ]
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    replace: Flags.boolean({ summary: 'Replace a different pinned key for the stations named with --station.', default: false }),
    yes: Flags.boolean({ char: 'y', summary: 'Write without asking.', default: false }),
    timeout: Flags.integer({ summary: 'Seconds to wait for each station\'s key exchange.', default: 20, min: 1, max: 300 }),
  }

  protected async execute(): Promise<HostTrustResult> {
    const { flags } = await this.parse(HostsTrust)
    const interactive = !flags.yes && !this.jsonEnabled() && process.stdin.isTTY === true
    const result = await trustHosts({
      inventoryDir: flags.inventory,
      towns: flags.town ?? [],
      stations: flags.station ?? [],
      lab: flags.lab,
      home: lastmileHome(),
      replace: flags.replace,
      yes: flags.yes,
      scan: { timeoutMs: flags.timeout * 1000 },
      ...(interactive ? { confirm: askToWrite } : {}),
    })
    if (result.plan.some((p) => p.action === 'refuse' || p.action === 'skip')) this.setStatus(ExitCode.PartialFailure)
    if (!result.written && result.notWritten?.startsWith('not confirmed')) this.warn('nothing written: run again with --yes to record these keys')
    return result
  }

  protected display(r: HostTrustResult): string {
    return formatTrust(r)
  }
}

async function askToWrite(plan: TrustPlanRow[], file: string): Promise<boolean> {
  const n = plan.filter((p) => p.action === 'add' || p.action === 'replace').length
  process.stderr.write(formatTrustPlan(plan) + '\n\n')
  for (const p of plan) if ((p.action === 'add' || p.action === 'replace') && p.line) process.stderr.write(`${p.action === 'add' ? '+' : '±'} ${p.line}\n`)
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`\nRecord ${n} key${n === 1 ? '' : 's'} in ${file}? Only if you verified the fingerprints with the stations. [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
