// `health` on a lab-like root (fake /proc, /sys and the lastmile run files) under dash and busybox sh.
import { afterEach, describe, expect, it } from 'vitest'
import { SHELLS, type Shell, Station, buildBundle, field, sha256 } from './helpers.js'

const NET = "config interface 'lan'\n\toption ipaddr '10.18.2.1'\n"
const SSID = '清城区源潭镇青龙村'

async function labRoot(s: Station): Promise<void> {
  await s.write('/proc/uptime', '93784.52 170000.10\n')
  await s.write('/proc/loadavg', '0.15 0.30 1.05 1/87 4242\n')
  await s.write(
    '/proc/meminfo',
    'MemTotal:         246896 kB\nMemFree:           91588 kB\nMemAvailable:     120340 kB\nBuffers:            4096 kB\nCached:            30000 kB\n',
  )
  const iface = async (name: string, oper: string, rx: number, tx: number) => {
    await s.write(`/sys/class/net/${name}/operstate`, `${oper}\n`)
    await s.write(`/sys/class/net/${name}/statistics/rx_bytes`, `${rx}\n`)
    await s.write(`/sys/class/net/${name}/statistics/tx_bytes`, `${tx}\n`)
  }
  await iface('br-lan', 'up', 1000, 2000)
  await iface('pppoe-wan', 'up', 123456789, 98765)
  await iface('wg0', 'unknown', 5000, 6000)
  await iface('wlan0', 'up', 10, 20)
  await iface('wlan1', 'down', 0, 0)
  await s.write('/etc/lastmile/wan-interface', 'pppoe-wan\n')
  await s.write('/etc/lastmile/wan-link', 'fibre\n')
  // `wg show wg0 latest-handshakes` output, two peers
  await s.write('/var/run/lastmile/wg-handshake', 'aGVsbG8gd29ybGQgcHVia2V5MQ==\t1795000000\nc2Vjb25kIHBlZXIgcHVia2V5\t1795000100\n')
  await s.write('/var/run/lastmile/wifi-wlan0.ssid', `${SSID}\n`)
  await s.write('/sys/bus/usb/devices/1-1/idVendor', '096e\n')
  await s.write('/sys/bus/usb/devices/1-1/idProduct', '0006\n')
  await s.write('/sys/bus/usb/devices/1-1:1.0/bInterfaceClass', '03\n')
}

describe.each(SHELLS)('health under $name', (shell: Shell) => {
  let stations: Station[] = []
  afterEach(async () => {
    await Promise.all(stations.map((s) => s.cleanup()))
    stations = []
  })

  it('reads uptime, load, memory, disk, interfaces, WAN, tunnel, WiFi, USB and drift', async () => {
    const s = await Station.create(shell, { '/etc/config/network': 'old\n' })
    stations.push(s)
    await labRoot(s)
    await s.run('apply', ['h1', '--confirm-within', '60'], {
      input: await buildBundle([{ path: '/etc/config/network', content: NET, reload: 'network' }]),
    })
    await s.run('confirm', ['h1'])

    const r = await s.run('health')
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({
      ok: true,
      verb: 'health',
      agent: '1.1.0',
      protocol: 1,
      appliedId: 'h1',
      pending: null,
      uptime: 93784,
      load: [0.15, 0.3, 1.05],
      memory: { totalKb: 246896, availableKb: 120340 },
      interfaces: {
        'br-lan': { up: true, rxBytes: 1000, txBytes: 2000 },
        'pppoe-wan': { up: true, rxBytes: 123456789, txBytes: 98765 },
        wg0: { up: true, rxBytes: 5000, txBytes: 6000 },
        wlan0: { up: true, rxBytes: 10, txBytes: 20 },
        wlan1: { up: false, rxBytes: 0, txBytes: 0 },
      },
      wan: { interface: 'pppoe-wan', up: true, link: 'fibre' },
      tunnel: { up: true, latestHandshake: 1795000100 },
      wifi: [
        { iface: 'wlan0', up: true, ssid: SSID },
        { iface: 'wlan1', up: false, ssid: null },
      ],
      usb: [{ vendor: '096e', product: '0006' }],
      drift: [],
    })
    const disk = field<{ totalKb: number; availableKb: number }>(r.json, 'disk')
    expect(disk.totalKb).toBeGreaterThan(0)
    expect(disk.availableKb).toBeGreaterThanOrEqual(0)
    expect(Math.abs(field<number>(r.json, 'time') - Date.now() / 1000)).toBeLessThan(10)

    // someone edits a managed file by hand, another deletes one
    await s.write('/etc/config/network', NET + '# hand edit\n')
    const d = await s.run('health')
    expect(d.json?.drift).toEqual([{ path: '/etc/config/network', expected: sha256(NET), found: sha256(NET + '# hand edit\n') }])
    const { rm } = await import('node:fs/promises')
    await rm(s.path('/etc/config/network'))
    const gone = await s.run('health')
    expect(gone.json?.drift).toEqual([{ path: '/etc/config/network', expected: sha256(NET), found: null }])
  })

  it('lists one WiFi entry per AP interface with its own SSID: staff and public on one radio, both OpenWrt namings', async () => {
    const s = await Station.create(shell)
    stations.push(s)
    const ap = async (iface: string, ssid: string) => {
      await s.write(`/sys/class/net/${iface}/operstate`, 'up\n')
      await s.write(`/var/run/lastmile/wifi-${iface}.ssid`, `${ssid}\n`)
    }
    await ap('wlan0', 'QC-qinglong-staff')
    await ap('wlan0-1', SSID)
    await ap('phy1-ap0', 'QC-qinglong-staff')
    await ap('phy1-ap1', SSID)
    const r = await s.run('health')
    expect(r.json?.wifi).toEqual([
      { iface: 'wlan0', up: true, ssid: 'QC-qinglong-staff' },
      { iface: 'wlan0-1', up: true, ssid: SSID },
      { iface: 'phy1-ap0', up: true, ssid: 'QC-qinglong-staff' },
      { iface: 'phy1-ap1', up: true, ssid: SSID },
    ])
  })

  it('missing sources give nulls, never an error', async () => {
    const s = await Station.create(shell)
    stations.push(s)
    await s.write('/proc/loadavg', 'garbage\n')
    await s.write('/etc/lastmile/wan-link', 'carrier-pigeon\n')
    await s.write('/var/run/lastmile/wg-handshake', 'peerkey\t0\n')
    const r = await s.run('health')
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({
      ok: true,
      appliedId: null,
      pending: null,
      uptime: null,
      load: null,
      memory: { totalKb: null, availableKb: null },
      interfaces: {},
      wan: { interface: null, up: null, link: 'unknown' },
      tunnel: { up: null, latestHandshake: null },
      wifi: [],
      usb: [],
      drift: [],
    })
  })
})
