import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import type { AgentHealth, StationHealth } from '../../src/health/types.js'

export const MINI = 'tests/fixtures/inventory-mini'
export const QINGCHENG = 'inventory/qingcheng'

/** 2026-11-29 10:00 in Qingyuan (02:00 UTC). */
export const NOW = Date.parse('2026-11-29T02:00:00Z')

export async function loadMini(): Promise<Inventory> {
  return (await loadInventoryOrThrow(MINI)).inventory
}

export async function loadQingcheng(): Promise<Inventory> {
  return (await loadInventoryOrThrow(QINGCHENG)).inventory
}

export function station(inv: Inventory, id: string): Station {
  const s = inv.stations.find((x) => x.id === id)
  if (!s) throw new Error(`no station ${id} in ${inv.dir}`)
  return s
}

/** A healthy agent answer for `s`: every USB device plugged in, its SSIDs on air, its WAN up. */
export function healthyAgent(s: Station, now = NOW): AgentHealth {
  const usb = s.devices.filter((d) => d.usb).flatMap((d) => Array.from({ length: d.count }, () => ({ vendor: (d.usb as string).split(':')[0] as string, product: (d.usb as string).split(':')[1] as string })))
  const wifi = s.wifi
    ? [
        { iface: 'wlan0', up: true, ssid: s.wifi.staff.ssid },
        { iface: 'wlan1', up: true, ssid: s.wifi.public.ssid },
      ]
    : []
  const wanIf = s.wan.type === '4g' ? 'wwan0' : s.wan.proto === 'pppoe' ? 'pppoe-wan' : 'wan'
  return {
    agent: '1.0.0',
    protocol: 1,
    time: Math.floor(now / 1000),
    appliedId: 'cfg-1',
    pending: null,
    uptime: 5 * 86400,
    load: [0.2, 0.3, 0.25],
    memory: { totalKb: 246896, availableKb: 120340 },
    disk: { totalKb: 14336, availableKb: 9000 },
    interfaces: { [wanIf]: { up: true, rxBytes: 1, txBytes: 2 }, wg0: { up: true, rxBytes: 3, txBytes: 4 } },
    wan: { interface: wanIf, up: true, link: s.wan.type },
    tunnel: { up: true, latestHandshake: Math.floor(now / 1000) - 40 },
    wifi,
    usb,
    drift: [],
  }
}

export function check(h: StationHealth, id: string) {
  const c = h.checks.find((x) => x.id === id)
  if (!c) throw new Error(`no ${id} check in ${JSON.stringify(h.checks.map((x) => x.id))}`)
  return c
}

/** `n` copies of `base` in its town, ids base.id with the last 3 digits 001…n (a synthetic town). */
export function cloneStations(base: Station, n: number): Station[] {
  return Array.from({ length: n }, (_, i) => ({ ...base, id: base.id.slice(0, 9) + String(i + 1).padStart(3, '0'), short: `站${i + 1}`, name: `测试${i + 1}村委会` }))
}
