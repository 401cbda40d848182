import path from 'node:path'
import type { DeviceType } from '../inventory/schema.js'
import type { Inventory, Station } from '../inventory/model.js'
import { activeStations } from '../inventory/model.js'
import { labAddress } from './addresses.js'
import type { ShellSpec } from './shell.js'
import { synthesizeStations } from './synthetic.js'

/*
 * The lab plan: everything the daemon needs to run the stations, computed by
 * `lab up` from the inventory and written to <home>/lab/lab.json. The daemon
 * never reads the inventory itself (one loader, one place for its errors).
 */

export interface LabPlanDevice {
  type: DeviceType
  model: string
  count: number
  usb?: string
}

export interface LabPlanStation {
  id: string
  name: string
  town: { code: string; slug: string; name: string }
  /** Loopback address the station listens on. */
  host: string
  /** The station's root directory (its LASTMILE_ROOT). */
  root: string
  /** Management address from the inventory: what the network stub expects in etc/config/network. */
  managementAddress: string
  devices: LabPlanDevice[]
  wifi: boolean
  wanType: 'fibre' | 'adsl' | '4g'
  /** Has a 4G backup: still reachable when the WAN is down. */
  wanBackup: boolean
  /** Made up by `--stations N` beyond the inventory (town code <district>9xx000, see synthetic.ts). */
  synthetic: boolean
  /** For a synthesized station: the inventory station it is a copy of. */
  template?: string
}

export interface LabPlan {
  version: 1
  labDir: string
  /** The inventory the lab's stations come from (absolute; a generated copy when stations were synthesized). */
  inventory: string
  /** The inventory `lab up` was given (absolute). */
  sourceInventory: string
  createdAt: string
  /** Port every station listens on; 0 = a free port per station (tests run labs side by side). */
  port: number
  shell: ShellSpec
  maxSessionsPerStation: number
  maxConnectionsPerStation: number
  operatorKeyFile: string
  /** Optional extra keys every station accepts (health scoping tests). */
  extraAuthorizedKeysFile: string
  faultsFile: string
  preinstallAgent: boolean
  synthesized: number
  stations: LabPlanStation[]
}

export interface PlanOptions {
  labDir: string
  /** Absolute inventory directory as given. */
  inventoryDir: string
  /** Only the first N active stations, or more than the inventory has: synthesize the rest. */
  stations?: number
  port: number
  shell: ShellSpec
  preinstallAgent: boolean
  maxSessionsPerStation?: number
  maxConnectionsPerStation?: number
  now?: () => Date
}

export const MAX_LAB_STATIONS = 10_000

export function stationsDir(labDir: string): string {
  return path.join(labDir, 'stations')
}

export function labFiles(labDir: string) {
  return {
    plan: path.join(labDir, 'lab.json'),
    target: path.join(labDir, 'target.json'),
    pid: path.join(labDir, 'daemon.pid'),
    log: path.join(labDir, 'lab.log'),
    faults: path.join(labDir, 'faults.yaml'),
    operatorKey: path.join(labDir, 'operator_ed25519'),
    extraAuthorizedKeys: path.join(labDir, 'authorized_keys'),
    lock: path.join(labDir, 'up.lock'),
    busybox: path.join(labDir, 'busybox'),
    synthInventory: path.join(labDir, 'inventory'),
  }
}

export function fromInventory(s: Station, townIndex: number, labDir: string): LabPlanStation {
  return {
    id: s.id,
    name: s.name,
    town: { code: s.town.code, slug: s.town.slug, name: s.town.name },
    host: labAddress({ town: townIndex, index: s.source.index }),
    root: path.join(stationsDir(labDir), s.id),
    managementAddress: s.management.address,
    devices: s.devices.map((d) => ({ type: d.type, model: d.model, count: d.count, ...(d.usb ? { usb: d.usb } : {}) })),
    wifi: Boolean(s.wifi),
    wanType: s.wan.type,
    wanBackup: Boolean(s.wanBackup),
    synthetic: false,
  }
}

/** Which stations the lab runs, where, and how. Pure. */
export function buildPlan(inv: Inventory, opts: PlanOptions): LabPlan {
  const townIndex = new Map(inv.towns.map((t, i) => [t.code, i]))
  const active = activeStations(inv).map((s) => fromInventory(s, townIndex.get(s.town.code) ?? 0, opts.labDir))
  const wanted = opts.stations ?? active.length
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_LAB_STATIONS) {
    throw new RangeError(`--stations must be 1…${MAX_LAB_STATIONS}, not ${wanted}`)
  }
  if (active.length === 0) throw new RangeError(`the inventory in ${inv.dir} has no active station (hasStation: true) to simulate`)
  const stations = active.slice(0, wanted)
  const synthesized = Math.max(0, wanted - active.length)
  stations.push(...synthesizeStations(inv, active, synthesized, opts.labDir))
  const files = labFiles(opts.labDir)
  return {
    version: 1,
    labDir: opts.labDir,
    inventory: synthesized > 0 ? files.synthInventory : opts.inventoryDir,
    sourceInventory: opts.inventoryDir,
    createdAt: (opts.now ?? (() => new Date()))().toISOString(),
    port: opts.port,
    shell: opts.shell,
    maxSessionsPerStation: opts.maxSessionsPerStation ?? 8,
    maxConnectionsPerStation: opts.maxConnectionsPerStation ?? 30,
    operatorKeyFile: files.operatorKey,
    extraAuthorizedKeysFile: files.extraAuthorizedKeys,
    faultsFile: files.faults,
    preinstallAgent: opts.preinstallAgent,
    synthesized,
    stations,
  }
}
