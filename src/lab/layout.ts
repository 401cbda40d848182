import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DeviceType } from '../inventory/schema.js'
import type { StationFaults } from './faults.js'
import type { LabPlanDevice, LabPlanStation } from './plan.js'

/*
 * A lab station's root directory, laid out like the OpenWrt filesystem the
 * agent expects under $LASTMILE_ROOT:
 *
 *   etc/config/ etc/dropbear/authorized_keys etc/lastmile/ etc/init.d/* (stubs)
 *   sbin/wifi sbin/reboot (stubs)   usr/sbin/ (empty: the controller installs the agent)
 *   proc/{uptime,loadavg,meminfo}   sys/class/net/<if>/…   sys/bus/usb/devices/<n>/…
 *   var/run/lastmile/ var/log/ tmp/ (RAM: emptied at every lab boot)
 *   lab/ (the lab's own control files: expected-mgmt, link-down, fail-<name>, bin/df, host keys)
 */

/** The package root (src/lab → ../..; dist/lab → ../..). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url))
export const stubsDir = path.join(packageRoot, 'station', 'lab-stubs')
export const agentFile = path.join(packageRoot, 'station', 'lastmile-station')

export interface FileSpec {
  path: string
  content: string
  mode?: number
}

export const stationDirs = [
  'etc/config', 'etc/dropbear', 'etc/lastmile', 'etc/init.d', 'sbin', 'bin', 'usr/sbin', 'usr/bin',
  'proc', 'sys/class/net', 'sys/bus/usb/devices', 'var/run/lastmile', 'var/log', 'tmp', 'lab/bin',
] as const

/** Marks files the lab wrote for a fault, so clearing it never removes a file someone made by hand. */
export const FAULT_MARKER = '# lastmile lab fault'

/** Deterministic per-station variety (uptime, memory, traffic), so 152 stations do not look cloned. */
export function stationSeed(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0)
}

export interface UsbEntry {
  /** Directory name under sys/bus/usb/devices. */
  name: string
  /** Device type from the inventory; undefined for the root hub. */
  type?: DeviceType
  vendor: string
  product: string
  label: string
}

/**
 * USB entries as Linux shows them: the root hub (usb1, 1d6b:0002), then one
 * entry per device with a USB id (a device with count: 3 appears three times),
 * on ports 1-1, 1-2, … in inventory order (so unplugging one never renames another).
 */
export function usbEntries(devices: readonly LabPlanDevice[]): UsbEntry[] {
  const out: UsbEntry[] = [{ name: 'usb1', vendor: '1d6b', product: '0002', label: 'EHCI Host Controller' }]
  let port = 1
  for (const d of devices) {
    if (!d.usb) continue
    const [vendor = '', product = ''] = d.usb.split(':')
    for (let i = 0; i < d.count; i++) out.push({ name: `1-${port++}`, type: d.type, vendor, product, label: d.model })
  }
  return out
}

export function interfaceNames(st: Pick<LabPlanStation, 'wifi'>): string[] {
  // A WiFi station broadcasts two SSIDs (staff and public): OpenWrt names the second AP on a radio wlan0-1.
  return ['wan', 'br-lan', 'wg0', ...(st.wifi ? ['wlan0', 'wlan0-1'] : [])]
}

/** Seconds the station had been up when the lab started (2–40 days, per station). */
export function initialUptimeSeconds(id: string): number {
  return 2 * 86400 + (stationSeed(id) % (38 * 86400))
}

export function uptimeText(seconds: number): string {
  const up = Math.max(0, seconds)
  return `${up.toFixed(2)} ${(up * 1.7).toFixed(2)}\n`
}

/** Files that describe the station's hardware and RAM: rewritten at every `lab up`. */
export function hardwareFiles(st: LabPlanStation, faults: StationFaults = {}): FileSpec[] {
  const seed = stationSeed(st.id)
  const memTotal = 124_848
  const memAvail = 48_000 + (seed % 36_000)
  const load = (n: number) => ((seed >> n) % 60) / 100
  const files: FileSpec[] = [
    { path: 'proc/uptime', content: uptimeText(initialUptimeSeconds(st.id)) },
    { path: 'proc/loadavg', content: `${load(0).toFixed(2)} ${load(3).toFixed(2)} ${load(6).toFixed(2)} 1/${52 + (seed % 20)} ${1000 + (seed % 30000)}\n` },
    {
      path: 'proc/meminfo',
      content: [
        `MemTotal:       ${memTotal} kB`,
        `MemFree:        ${memAvail - 14_000} kB`,
        `MemAvailable:   ${memAvail} kB`,
        'Buffers:            2048 kB',
        'Cached:            12288 kB',
        '',
      ].join('\n'),
    },
  ]
  for (const [i, ifname] of interfaceNames(st).entries()) {
    const base = path.posix.join('sys/class/net', ifname)
    const operstate = ifname === 'wg0' ? 'unknown' : ifname === 'wan' && faults.wanDown ? 'down' : 'up'
    files.push(
      { path: `${base}/operstate`, content: `${operstate}\n` },
      { path: `${base}/statistics/rx_bytes`, content: `${(seed % 1_000_000_007) * (i + 3)}\n` },
      { path: `${base}/statistics/tx_bytes`, content: `${(seed % 700_000_001) * (i + 2)}\n` },
    )
  }
  return files
}

export function usbFiles(e: UsbEntry): FileSpec[] {
  const base = `sys/bus/usb/devices/${e.name}`
  return [
    { path: `${base}/idVendor`, content: `${e.vendor}\n` },
    { path: `${base}/idProduct`, content: `${e.product}\n` },
    { path: `${base}/product`, content: `${e.label}\n` },
  ]
}

/** Configuration a hand-provisioned station has before its first rollout; written only when missing. */
export function seedFiles(st: LabPlanStation): FileSpec[] {
  return [
    {
      path: 'etc/config/system',
      content: `config system\n\toption hostname 'station-${st.id}'\n\toption timezone 'CST-8'\n\toption zonename 'Asia/Shanghai'\n`,
    },
    {
      path: 'etc/config/network',
      content: [
        '# As provisioned by hand before lastmile manages it (lastmile lab): the management',
        '# address the controller reaches the station on.',
        "config interface 'loopback'",
        "\toption device 'lo'",
        "\toption proto 'static'",
        "\toption ipaddr '127.0.0.1'",
        "\toption netmask '255.0.0.0'",
        '',
        "config interface 'mgmt'",
        "\toption proto 'static'",
        `\toption ipaddr '${st.managementAddress}'`,
        "\toption netmask '255.255.255.255'",
        '',
      ].join('\n'),
    },
    { path: 'etc/lastmile/wan-interface', content: 'wan\n' },
    { path: 'etc/lastmile/wan-link', content: `${st.wanType}\n` },
    {
      path: 'etc/openwrt_release',
      content: "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='23.05.5'\nDISTRIB_TARGET='ramips/mt7621'\nDISTRIB_DESCRIPTION='OpenWrt 23.05.5 (lastmile lab)'\n",
    },
  ]
}

/** The `df` that reports a full flash (fault diskFull): busybox's layout, 0 KB available. */
export function dfFullStub(): string {
  return [
    '#!/bin/sh',
    `${FAULT_MARKER} diskFull: the station's flash is full (see docs/lab.md)`,
    'echo "Filesystem           1K-blocks      Used Available Use% Mounted on"',
    'n=0',
    'for a in "$@"; do',
    '  case $a in -*) continue ;; esac',
    '  n=$((n + 1))',
    '  printf \'%-20s %9s %9s %9s %4s %s\\n\' /dev/ubi0_1 9216 9216 0 100% /overlay',
    'done',
    '[ "$n" -gt 0 ] || printf \'%-20s %9s %9s %9s %4s %s\\n\' /dev/ubi0_1 9216 9216 0 100% /overlay',
    'exit 0',
    '',
  ].join('\n')
}

let tmpCounter = 0

/*
 * File writes use the synchronous fs calls: a station root is ~100 small files,
 * and on this kind of machine a sync write costs a fifth of an awaited one
 * (152 stations: ~1 s instead of ~15 s). The daemon yields between stations.
 */

function mkdirp(dir: string): void {
  mkdirSync(dir, { recursive: true })
}

/** Writes a file of a station root, atomically (tmp + rename): the agent may read it at any moment. */
function writeAtomic(root: string, f: FileSpec): void {
  const file = path.join(root, f.path)
  const tmp = `${file}.${process.pid}.${++tmpCounter}.lab-tmp`
  try {
    writeFileSync(tmp, f.content, { mode: f.mode ?? 0o644 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    mkdirp(path.dirname(file))
    writeFileSync(tmp, f.content, { mode: f.mode ?? 0o644 })
  }
  if (f.mode !== undefined) chmodSync(tmp, f.mode)
  renameSync(tmp, file)
}

/** Writes a file only if it does not exist yet (configuration the controller may have replaced). */
function writeIfMissing(root: string, f: FileSpec): void {
  const file = path.join(root, f.path)
  try {
    writeFileSync(file, f.content, { mode: f.mode ?? 0o644, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}

interface StubFile {
  rel: string
  content: Buffer
  mode: number
}

const stubCache = new Map<string, StubFile[]>()

/** The stub files (read once per process, then copied into every root). */
function stubFiles(dir: string): StubFile[] {
  const hit = stubCache.get(dir)
  if (hit) return hit
  const out: StubFile[] = []
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name)
      if (e.isDirectory()) walk(r)
      else if (e.isFile()) out.push({ rel: r, content: readFileSync(path.join(dir, r)), mode: statSync(path.join(dir, r)).mode & 0o777 })
    }
  }
  walk('')
  stubCache.set(dir, out)
  return out
}

/** Removes what is inside a directory (usually little: var/run, tmp), keeping the directory. */
function emptyDir(dir: string): void {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    mkdirp(dir)
    return
  }
  for (const e of entries) rmSync(path.join(dir, e), { recursive: true, force: true })
}

export interface BuildRootOptions {
  /** authorized_keys for etc/dropbear (the operator key, plus extras). */
  authorizedKeys: string
  /** Copy the agent into usr/sbin (tests); otherwise the controller installs it. */
  preinstallAgent: boolean
  stubs?: string
  agent?: string
  faults?: StationFaults
}

/**
 * Creates or refreshes a station root. Kept across `lab up`: etc/ (what the
 * controller applied, the agent's state) and usr/sbin (an installed agent).
 * Refreshed: the stubs, the hardware files, lab/expected-mgmt. Seeded once: authorized_keys.
 * Emptied: var/run and tmp (RAM on OpenWrt). Called while no station runs.
 */
export async function buildStationRoot(st: LabPlanStation, opts: BuildRootOptions): Promise<void> {
  buildStationRootSync(st, opts)
}

export function buildStationRootSync(st: LabPlanStation, opts: BuildRootOptions): void {
  const root = st.root
  const hardware = hardwareFiles(st, opts.faults)
  const dirs = new Set<string>(stationDirs)
  for (const f of hardware) dirs.add(path.posix.dirname(f.path))
  for (const d of dirs) mkdirp(path.join(root, d))
  for (const f of stubFiles(opts.stubs ?? stubsDir)) {
    const dst = path.join(root, f.rel)
    writeFileSync(dst, f.content)
    chmodSync(dst, f.mode)
  }
  if (opts.preinstallAgent) {
    const dst = path.join(root, 'usr/sbin/lastmile-station')
    copyFileSync(opts.agent ?? agentFile, dst)
    chmodSync(dst, 0o755)
  }
  for (const f of seedFiles(st)) writeIfMissing(root, f)
  for (const f of hardware) writeFileSync(path.join(root, f.path), f.content)
  // Seeded once, like a factory image: after the first push the file is managed
  // (rendered from operators.yaml), and rewriting it at every `lab up` would
  // show as drift and be shipped again. The lab's SSH endpoints authorise from
  // the operator key and <home>/lab/authorized_keys, not from this file.
  const keysFile = path.join(root, 'etc/dropbear/authorized_keys')
  if (!existsSync(keysFile)) writeFileSync(keysFile, opts.authorizedKeys, { mode: 0o600 })
  writeFileSync(path.join(root, 'lab/expected-mgmt'), `${st.managementAddress}\n`)
  emptyDir(path.join(root, 'var/run'))
  mkdirp(path.join(root, 'var/run/lastmile'))
  emptyDir(path.join(root, 'tmp'))
  // USB entries as the inventory says now (a device may have changed since the last lab up).
  const devDir = path.join(root, 'sys/bus/usb/devices')
  const names = new Set(usbEntries(st.devices).map((e) => e.name))
  for (const e of readdirSync(devDir)) if (!names.has(e) && e !== '1-0:1.0') rmSync(path.join(devDir, e), { recursive: true, force: true })
  const unplugged = new Set<string>(opts.faults?.unplug ?? [])
  for (const e of usbEntries(st.devices)) {
    if (e.type && unplugged.has(e.type)) continue
    mkdirp(path.join(devDir, e.name))
    for (const f of usbFiles(e)) writeFileSync(path.join(root, f.path), f.content)
  }
  applyStationFaultsSync(st, opts.faults ?? {})
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Puts the station-side faults in force, idempotently: the df stub (diskFull),
 * lab/fail-<name> (failReload), USB entries (unplug), WAN operstate (wanDown).
 * Files someone created by hand (without the lab's marker) are left alone.
 */
export async function applyStationFaults(st: LabPlanStation, faults: StationFaults): Promise<void> {
  applyStationFaultsSync(st, faults)
}

export function applyStationFaultsSync(st: LabPlanStation, faults: StationFaults): void {
  const root = st.root
  // diskFull
  const df = path.join(root, 'lab/bin/df')
  const dfText = readText(df)
  if (faults.diskFull) {
    if (dfText !== dfFullStub()) writeAtomic(root, { path: 'lab/bin/df', content: dfFullStub(), mode: 0o755 })
  } else if (dfText?.includes(FAULT_MARKER)) {
    rmSync(df, { force: true })
  }
  // failReload
  const want = new Set<string>(faults.failReload ?? [])
  const labDir = path.join(root, 'lab')
  const present = new Set(readdirSync(labDir))
  for (const name of present) {
    if (!name.startsWith('fail-') || want.has(name.slice(5))) continue
    if (readText(path.join(labDir, name))?.includes(FAULT_MARKER)) rmSync(path.join(labDir, name), { force: true })
  }
  for (const name of want) {
    if (!present.has(`fail-${name}`)) writeAtomic(root, { path: `lab/fail-${name}`, content: `1\n${FAULT_MARKER} failReload: ${name} exits 1\n` })
  }
  // unplug
  const unplugged = new Set<string>(faults.unplug ?? [])
  const devDir = path.join(root, 'sys/bus/usb/devices')
  mkdirp(devDir)
  const plugged = new Set(readdirSync(devDir))
  for (const e of usbEntries(st.devices)) {
    const shouldBe = !e.type || !unplugged.has(e.type)
    if (shouldBe && !plugged.has(e.name)) for (const f of usbFiles(e)) writeAtomic(root, f)
    if (!shouldBe && plugged.has(e.name)) rmSync(path.join(devDir, e.name), { recursive: true, force: true })
  }
  // The root hub's interface entry (no idVendor: the agent must skip it, as on Linux).
  if (!plugged.has('1-0:1.0')) writeAtomic(root, { path: 'sys/bus/usb/devices/1-0:1.0/bInterfaceClass', content: '09\n' })
  // wanDown
  const wantOper = faults.wanDown ? 'down\n' : 'up\n'
  if (readText(path.join(root, 'sys/class/net/wan/operstate')) !== wantOper) writeAtomic(root, { path: 'sys/class/net/wan/operstate', content: wantOper })
}

/** Files in RAM on a real station: lost at a (lab) reboot. */
export async function clearRam(root: string): Promise<void> {
  emptyDir(path.join(root, 'var/run'))
  mkdirp(path.join(root, 'var/run/lastmile'))
  emptyDir(path.join(root, 'tmp'))
}

/** Is the agent installed on this station? */
export async function agentInstalled(root: string): Promise<boolean> {
  return existsSync(path.join(root, 'usr/sbin/lastmile-station'))
}
