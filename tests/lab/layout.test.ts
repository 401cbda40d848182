import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { applyStationFaults, buildStationRoot, usbEntries } from '../../src/lab/layout.js'
import { buildPlan, type LabPlan, type LabPlanStation } from '../../src/lab/plan.js'
import { resolveShell } from '../../src/lab/shell.js'

let dir: string
let plan: LabPlan
let gaojili: LabPlanStation
let jiangkou: LabPlanStation
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN6Gd4DaVo0DyqpCRUSloNGQ4xTN3ivHB8qTVcuW9SWt lab-operator'

const read = (st: LabPlanStation, p: string) => readFile(path.join(st.root, p), 'utf8')
const ls = async (st: LabPlanStation, p: string) => (await readdir(path.join(st.root, p))).sort()

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lastmile-layout-'))
  const { inventory } = await loadInventoryOrThrow('tests/fixtures/inventory-mini')
  plan = buildPlan(inventory, { labDir: path.join(dir, 'lab'), inventoryDir: path.resolve('tests/fixtures/inventory-mini'), port: 2222, shell: resolveShell('sh', () => true), preinstallAgent: false })
  gaojili = plan.stations.find((s) => s.id === '441802006001') as LabPlanStation
  jiangkou = plan.stations.find((s) => s.id === '441802104201') as LabPlanStation
  for (const st of plan.stations) await buildStationRoot(st, { authorizedKeys: KEY + '\n', preinstallAgent: false })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('a lab station root', () => {
  it('is laid out like OpenWrt, with the stubs and without the agent (the controller installs it)', async () => {
    for (const d of ['etc/config', 'etc/dropbear', 'etc/lastmile', 'var/run/lastmile', 'var/log', 'tmp', 'lab/bin']) expect((await stat(path.join(gaojili.root, d))).isDirectory()).toBe(true)
    expect(await ls(gaojili, 'usr/sbin')).toEqual([])
    expect(await ls(gaojili, 'etc/init.d')).toEqual(['dnsmasq', 'dropbear', 'firewall', 'network'])
    expect(await ls(gaojili, 'sbin')).toEqual(['reboot', 'wifi'])
    expect((await stat(path.join(gaojili.root, 'etc/init.d/network'))).mode & 0o111).toBe(0o111)
    expect(await read(gaojili, 'etc/dropbear/authorized_keys')).toBe(KEY + '\n')
    expect((await stat(path.join(gaojili.root, 'etc/dropbear/authorized_keys'))).mode & 0o777).toBe(0o600)
  })

  it('has the USB devices the inventory lists, by vendor:product, plus the root hub', async () => {
    const ids = []
    for (const e of await ls(gaojili, 'sys/bus/usb/devices')) {
      const v = await read(gaojili, `sys/bus/usb/devices/${e}/idVendor`).catch(() => undefined)
      if (v) ids.push(`${v.trim()}:${(await read(gaojili, `sys/bus/usb/devices/${e}/idProduct`)).trim()}`)
    }
    // 高基里: e-seal, signature pad, fingerprint reader, document camera (computers have no usb id).
    expect(ids.sort()).toEqual(['0ac8:3610', '0b57:8030', '1b55:4500', '1d6b:0002', '1ea8:fc02'])
    expect(await read(gaojili, 'sys/bus/usb/devices/1-4/product')).toBe('良田 S1800\n')
  })

  it('has the interfaces of its hardware: WiFi only where the inventory has a wifi section', async () => {
    expect(await ls(gaojili, 'sys/class/net')).toEqual(['br-lan', 'wan', 'wg0'])
    expect(await ls(jiangkou, 'sys/class/net')).toEqual(['br-lan', 'wan', 'wg0', 'wlan0', 'wlan0-1'])
    expect(await read(gaojili, 'sys/class/net/wan/operstate')).toBe('up\n')
    expect(await read(gaojili, 'sys/class/net/wan/statistics/rx_bytes')).toMatch(/^\d+\n$/)
  })

  it('has proc files the agent can read, and its management address for the network stub', async () => {
    expect(await read(gaojili, 'proc/uptime')).toMatch(/^\d+\.\d\d \d+\.\d\d\n$/)
    expect(await read(gaojili, 'proc/loadavg')).toMatch(/^\d\.\d\d \d\.\d\d \d\.\d\d \d+\/\d+ \d+\n$/)
    expect(await read(gaojili, 'proc/meminfo')).toMatch(/^MemTotal: +124848 kB\nMemFree: +\d+ kB\nMemAvailable: +\d+ kB/)
    expect(await read(gaojili, 'lab/expected-mgmt')).toBe('10.250.1.1\n')
    expect(await read(gaojili, 'etc/config/network')).toContain("option ipaddr '10.250.1.1'")
    expect(await read(gaojili, 'etc/lastmile/wan-link')).toBe('fibre\n')
    expect(await read(jiangkou, 'etc/lastmile/wan-link')).toBe('4g\n')
  })

  it('keeps what the controller applied and empties RAM when built again (lab down / lab up)', async () => {
    await writeFile(path.join(gaojili.root, 'etc/config/network'), "config interface 'mgmt'\n\toption ipaddr '10.250.1.1'\n# applied by lastmile\n")
    await writeFile(path.join(gaojili.root, 'var/run/lastmile/something'), 'x')
    await writeFile(path.join(gaojili.root, 'tmp/scratch'), 'x')
    await buildStationRoot(gaojili, { authorizedKeys: KEY + '\n', preinstallAgent: true })
    expect(await read(gaojili, 'etc/config/network')).toContain('# applied by lastmile')
    expect(await ls(gaojili, 'var/run/lastmile')).toEqual([])
    expect(await ls(gaojili, 'tmp')).toEqual([])
    expect(await ls(gaojili, 'usr/sbin')).toEqual(['lastmile-station'])
  })
})

describe('station-side faults', () => {
  it('unplug removes only the USB entries of those device types, and clearing puts them back', async () => {
    await applyStationFaults(gaojili, { unplug: ['document-camera'] })
    const entries = await ls(gaojili, 'sys/bus/usb/devices')
    expect(entries).not.toContain('1-4')
    expect(entries).toEqual(['1-0:1.0', '1-1', '1-2', '1-3', 'usb1'])
    await applyStationFaults(gaojili, {})
    expect(await read(gaojili, 'sys/bus/usb/devices/1-4/idVendor')).toBe('0ac8\n')
  })

  it('diskFull puts a df on PATH that reports 0 KB available in busybox layout', async () => {
    await applyStationFaults(gaojili, { diskFull: true })
    const out = execFileSync('sh', [path.join(gaojili.root, 'lab/bin/df'), '-k', '/etc'], { encoding: 'utf8' })
    const fields = out.trim().split('\n')[1]?.split(/\s+/)
    expect(fields?.[3]).toBe('0')
    await applyStationFaults(gaojili, {})
    expect(await ls(gaojili, 'lab/bin')).toEqual([])
  })

  it('failReload makes lab/fail-<name>; clearing it leaves a file made by hand alone', async () => {
    await writeFile(path.join(gaojili.root, 'lab/fail-wifi'), '')
    await applyStationFaults(gaojili, { failReload: ['network'] })
    expect((await ls(gaojili, 'lab')).filter((f) => f.startsWith('fail-'))).toEqual(['fail-network', 'fail-wifi'])
    expect((await read(gaojili, 'lab/fail-network')).split('\n')[0]).toBe('1')
    await applyStationFaults(gaojili, {})
    expect((await ls(gaojili, 'lab')).filter((f) => f.startsWith('fail-'))).toEqual(['fail-wifi'])
  })

  it('wanDown sets the WAN operstate down', async () => {
    await applyStationFaults(gaojili, { wanDown: true })
    expect(await read(gaojili, 'sys/class/net/wan/operstate')).toBe('down\n')
    await applyStationFaults(gaojili, {})
    expect(await read(gaojili, 'sys/class/net/wan/operstate')).toBe('up\n')
  })

  it('USB ports are numbered in inventory order, one per device counted', () => {
    const e = usbEntries([
      { type: 'camera', model: 'c', count: 2, usb: '2bdf:0281' },
      { type: 'computer', model: 'pc', count: 6 },
      { type: 'e-seal', model: 'k', count: 1, usb: '1ea8:fc02' },
    ])
    expect(e.map((x) => `${x.name}=${x.type ?? 'hub'}`)).toEqual(['usb1=hub', '1-1=camera', '1-2=camera', '1-3=e-seal'])
  })
})
