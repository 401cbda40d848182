import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { inventoryFlag, labFlag, stationFlag, townFlag } from '../../cli/flags.js'
import { formatScan } from '../../ssh/format-hosts.js'
import { scanHosts, type HostScanResult } from '../../ssh/hosts.js'
import { lastmileHome } from '../../state/paths.js'

export default class HostsScan extends BaseCommand<HostScanResult> {
  static override summary = 'Read each station\'s SSH host key (no login) and compare it with the pinned one.'
  static override description =
    'Connects to every selected station (32 at a time), reads the host key it presents during the SSH key exchange and refuses to log in, so no credentials are used. ' +
    'Each station is pinned-ok, MISMATCH (a different key than pinned: do not push until you know why), new (nothing pinned yet) or unreachable. ' +
    'Pins come from <inventory>/known_hosts, else station.ssh.hostKey (with --lab: the lab\'s known_hosts, else the key the lab recorded). Exits 4 if any station is unreachable or mismatched.'
  static override examples = [
    '<%= config.bin %> hosts scan --town 飞来峡镇',
    '<%= config.bin %> hosts scan --station 441802104201 --json',
    '<%= config.bin %> hosts scan --lab',
  ]
  static override flags = {
    inventory: inventoryFlag,
    town: townFlag,
    station: stationFlag,
    lab: labFlag,
    timeout: Flags.integer({ summary: 'Seconds to wait for each station\'s key exchange.', default: 20, min: 1, max: 300 }),
  }

  protected async execute(): Promise<HostScanResult> {
    const { flags } = await this.parse(HostsScan)
    const result = await scanHosts({
      inventoryDir: flags.inventory,
      towns: flags.town ?? [],
      stations: flags.station ?? [],
      lab: flags.lab,
      home: lastmileHome(),
      scan: { timeoutMs: flags.timeout * 1000 },
    })
    for (const row of result.rows) if (row.note) this.warn(`${row.id}: ${row.note}`)
    if (result.counts.unreachable > 0 || result.counts.mismatch > 0) this.setStatus(ExitCode.PartialFailure)
    return result
  }

  protected display(r: HostScanResult): string {
    return formatScan(r)
  }
}
