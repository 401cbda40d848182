import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { inventoryFlag } from '../../cli/flags.js'
import { formatStart } from '../../lab/format.js'
import { DEFAULT_LAB_PORT, startLab, type StartLabResult } from '../../lab/service.js'
import { shellNames } from '../../lab/shell.js'
import { lastmileHome } from '../../state/paths.js'

export default class LabUp extends BaseCommand<StartLabResult> {
  static override summary = 'Start the lab: simulated stations on loopback, each a real SSH endpoint running the station agent.'
  static override description =
    'Lays out one root directory per station under <home>/lab/stations (an OpenWrt-like filesystem with stub platform commands) and starts one background daemon that gives each station its own SSH endpoint on 127.x.y.z. `--lab` commands then target it through target.json. The agent is not pre-installed: the first rollout installs it, as on a real station. Runs until `lastmile lab down`. See docs/lab.md.'
  static override examples = [
    '<%= config.bin %> lab up',
    '<%= config.bin %> lab up --inventory tests/fixtures/inventory-mini --faults faults.yaml',
    '<%= config.bin %> lab up --stations 1000 --port 2222',
  ]
  static override flags = {
    inventory: inventoryFlag,
    stations: Flags.integer({ summary: 'Only the first N stations; more than the inventory has adds made-up stations (scale runs).', min: 1, max: 10_000 }),
    faults: Flags.string({ summary: 'Faults to start with: a YAML file (see docs/lab.md, "Faults").' }),
    port: Flags.integer({ summary: 'SSH port of every station (0: a free port each).', default: DEFAULT_LAB_PORT, min: 0, max: 65_535 }),
    shell: Flags.option({ options: shellNames, summary: 'The stations\' sh: busybox (OpenWrt\'s ash; default when installed), dash, or the host\'s sh.' })(),
    'preinstall-agent': Flags.boolean({ summary: 'Install the station agent on every station now (tests); normally the first rollout installs it.', default: false }),
  }

  protected async execute(): Promise<StartLabResult> {
    const { flags } = await this.parse(LabUp)
    const result = await startLab({
      home: lastmileHome(),
      inventoryDir: flags.inventory,
      stations: flags.stations,
      faultsFile: flags.faults,
      port: flags.port,
      shell: flags.shell,
      preinstallAgent: flags['preinstall-agent'],
    })
    if (result.reused) this.warn(`a lab with these settings was already running (pid ${result.pid}); it was kept. To restart it: lastmile lab down && lastmile lab up`)
    return result
  }

  protected display(r: StartLabResult): string {
    return formatStart(r)
  }
}
