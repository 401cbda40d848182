import { describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import { activeStations } from '../../src/inventory/model.js'
import { DEFAULT_APN } from '../../src/render/context.js'
import { parseNet, ipToInt } from '../../src/render/net.js'
import { renderAll } from '../../src/render/render-all.js'
import type { RenderedStation } from '../../src/render/station.js'
import { parseUci, section, type UciSection } from '../util/uci-parse.js'
import { fixedResolver, fixedSource, MINI, qingchengPresent, QINGCHENG } from './helpers.js'

/**
 * Every station renders, every UCI file parses back with the strict test
 * parser, and what the inventory says comes back out: addresses, VLANs, WAN,
 * tunnel, SSIDs, channels, country, encryption, keys, firewall policy, pools.
 */
async function checkInventory(dir: string): Promise<number> {
  const { inventory: inv } = await loadInventoryOrThrow(dir)
  const rendered = await renderAll(inv, { resolver: fixedResolver() })
  expect(rendered.map((r) => r.stationId)).toEqual(activeStations(inv).map((s) => s.id))
  const source = fixedSource()
  for (const r of rendered) await checkStation(inv, inv.stations.find((s) => s.id === r.stationId)!, r, source.lookup)
  return rendered.length
}

function file(r: RenderedStation, p: string): string {
  const f = r.files.find((x) => x.path === p)
  if (!f) throw new Error(`${r.stationId} has no ${p}`)
  return f.content.toString('utf8')
}

async function checkStation(inv: Inventory, s: Station, r: RenderedStation, secret: (ref: string) => Promise<string | undefined>): Promise<void> {
  const ctx = `station ${s.id}`
  const net = parseUci(file(r, '/etc/config/network'))
  const nets: Array<[string, { vlan: number; subnet: string } | undefined, string]> = [
    ['mgmt', s.lan.management, 'vlan_mgmt'],
    ['lan', s.lan.office, 'vlan_office'],
    ['public', s.wifi ? s.lan.publicWifi : undefined, 'vlan_public'],
    ['iptv', s.lan.iptv, 'vlan_iptv'],
  ]
  for (const [name, v, vlanSection] of nets) {
    const iface = net.find((x) => x.type === 'interface' && x.name === name)
    if (!v) {
      expect(iface, `${ctx}: no ${name} interface without WiFi`).toBeUndefined()
      continue
    }
    const n = parseNet(v.subnet)
    expect(iface?.options, `${ctx} ${name}`).toMatchObject({ proto: 'static', ipaddr: n.address, netmask: n.netmask, device: `br-lan.${v.vlan}` })
    expect(section(net, 'bridge-vlan', vlanSection).options.vlan).toBe(String(v.vlan))
  }
  for (const sec of net) if (sec.name) expect(sec.name, `${ctx}: UCI section names are [a-zA-Z0-9_]`).toMatch(/^[A-Za-z0-9_]+$/)

  const wan = section(net, 'interface', 'wan').options
  expect(wan.proto).toBe(s.wan.proto)
  if (s.wan.proto === 'qmi') expect(wan).toMatchObject({ device: '/dev/cdc-wdm0', apn: s.wan.apn ?? DEFAULT_APN[s.wan.carrier] })
  if (s.wan.proto === 'pppoe') expect(wan).toMatchObject({ username: s.wan.pppoe!.username, password: await secret(s.wan.pppoe!.password.secret) })
  const wwan = net.find((x) => x.name === 'wwan')
  expect(Boolean(wwan), `${ctx}: 4G backup interface`).toBe(Boolean(s.wanBackup))
  if (wwan) expect(Number(wwan.options.metric)).toBeGreaterThan(Number(wan.metric))

  const wg = section(net, 'interface', 'wg0')
  expect(wg.options).toMatchObject({ proto: 'wireguard', private_key: await secret(s.tunnel.privateKey.secret) })
  expect(wg.lists.addresses).toEqual([`${s.management.address}/32`])
  const peer = section(net, 'wireguard_wg0')
  const [host, port] = inv.district.hub.endpoint.split(':')
  expect(peer.options).toMatchObject({ public_key: inv.district.hub.publicKey, endpoint_host: host, endpoint_port: port, persistent_keepalive: '25', route_allowed_ips: '1' })
  expect(peer.lists.allowed_ips).toEqual([inv.district.cloud.subnet, inv.district.hub.tunnelSubnet])

  // wireless: present exactly with WiFi
  const wireless = r.files.find((f) => f.path === '/etc/config/wireless')
  expect(Boolean(wireless), `${ctx}: wireless only with wifi`).toBe(Boolean(s.wifi))
  if (s.wifi && wireless) {
    const w = parseUci(wireless.content.toString('utf8'))
    const radios = w.filter((x) => x.type === 'wifi-device')
    expect(radios.length).toBe(s.wifi.radio5g ? 2 : 1)
    for (const radio of radios) expect(radio.options.country).toBe('CN')
    expect(section(w, 'wifi-device', 'radio0').options).toMatchObject({ band: '2g', htmode: 'HT20', channel: String(s.wifi.radio2g.channel) })
    if (s.wifi.radio5g) expect(section(w, 'wifi-device', 'radio1').options).toMatchObject({ band: '5g', htmode: 'VHT80', channel: String(s.wifi.radio5g.channel) })
    const key = await secret(s.wifi.staff.key.secret)
    for (const iface of w.filter((x) => x.type === 'wifi-iface')) {
      if (iface.name!.startsWith('staff')) expect(iface.options).toMatchObject({ network: 'lan', mode: 'ap', ssid: s.wifi.staff.ssid, encryption: s.wifi.staff.encryption, key })
      else {
        expect(iface.options).toMatchObject({ network: 'public', mode: 'ap', ssid: s.wifi.public.ssid, encryption: s.wifi.public.encryption, isolate: '1' })
        expect(iface.options.key).toBeUndefined()
      }
    }
  }

  checkFirewall(parseUci(file(r, '/etc/config/firewall')), s, ctx)
  checkDhcp(parseUci(file(r, '/etc/config/dhcp')), s, inv, ctx)

  const keys = file(r, '/etc/dropbear/authorized_keys').trimEnd().split('\n')
  const want = inv.operators.filter((o) => o.role === 'district' || o.towns.includes(s.town.code))
  expect(keys).toEqual(want.map((o) => `${o.sshPublicKey.split(' ').slice(0, 2).join(' ')} lastmile:${o.id}`))

  const info = JSON.parse(file(r, '/etc/lastmile/station.json')) as Record<string, unknown>
  expect(info).toMatchObject({ id: s.id, name: s.name, kind: s.kind, town: { code: s.town.code, name: s.town.name, slug: s.town.slug } })
  expect(JSON.stringify(info)).not.toContain(r.configId)
  expect(file(r, '/etc/lastmile/wan-link')).toBe(`${s.wan.type}\n`)
}

function checkFirewall(fw: UciSection[], s: Station, ctx: string): void {
  const defaults = section(fw, 'defaults')
  expect(defaults.options).toMatchObject({ input: 'REJECT', forward: 'REJECT', syn_flood: '1' })
  const zones = new Map(fw.filter((x) => x.type === 'zone').map((z) => [z.options.name!, z]))
  expect([...zones.keys()].sort()).toEqual(['iptv', 'lan', 'mgmt', ...(s.wifi ? ['public'] : []), 'vpn', 'wan'].sort())
  const wan = zones.get('wan')!
  expect(wan.options).toMatchObject({ input: 'REJECT', masq: '1', mtu_fix: '1' })
  expect(wan.lists.network).toContain('wan')
  if (s.wanBackup) expect(wan.lists.network).toContain('wwan')
  expect(zones.get('vpn')!.lists.network).toEqual(['wg0'])
  const fwd = fw.filter((x) => x.type === 'forwarding').map((f) => `${f.options.src}>${f.options.dest}`).sort()
  expect(fwd, `${ctx}: forwardings`).toEqual(['iptv>wan', 'lan>vpn', 'lan>wan', 'mgmt>vpn', ...(s.wifi ? ['public>wan'] : [])].sort())
  const rules = fw.filter((x) => x.type === 'rule')
  const ssh = rules.filter((x) => x.options.dest_port === '22')
  expect(ssh.map((x) => x.options.src).sort()).toEqual(['mgmt', 'vpn'])
  // Nothing from public WiFi but DHCP/DNS to the station and forwarding to wan.
  for (const rule of rules.filter((x) => x.options.src === 'public')) expect(['53', '67']).toContain(rule.options.dest_port)
  expect(rules.some((x) => x.options.name === 'Allow-DHCP-Renew' && x.options.src === 'wan')).toBe(true)
  expect(rules.some((x) => x.options.name === 'Allow-Ping' && x.options.src === 'wan')).toBe(true)
}

function checkDhcp(dhcp: UciSection[], s: Station, inv: Inventory, ctx: string): void {
  section(dhcp, 'dnsmasq')
  const lans: Array<[string, { subnet: string } | undefined]> = [
    ['mgmt', s.lan.management],
    ['lan', s.lan.office],
    ['public', s.wifi ? s.lan.publicWifi : undefined],
    ['iptv', s.lan.iptv],
  ]
  for (const [name, v] of lans) {
    const pool = dhcp.find((x) => x.type === 'dhcp' && x.name === name)
    if (!v) {
      expect(pool).toBeUndefined()
      continue
    }
    const n = parseNet(v.subnet)
    const start = Number(pool!.options.start)
    const limit = Number(pool!.options.limit)
    expect(start, `${ctx} ${name} pool start`).toBeGreaterThan(1)
    expect(limit).toBeGreaterThan(0)
    const size = 2 ** (32 - n.prefix)
    expect(start + limit - 1, `${ctx} ${name}: pool ends inside the subnet, before the broadcast address`).toBeLessThan(size - 1)
    expect(ipToInt(n.network) + start).toBeGreaterThan(ipToInt(n.address))
  }
  expect(section(dhcp, 'dhcp', 'iptv').lists.dhcp_option).toEqual([`72,${inv.district.cloud.portal.address}`])
  expect(section(dhcp, 'dhcp', 'wan').options.ignore).toBe('1')
}

describe('rendered UCI parses back and round-trips the inventory', () => {
  it('every station of the mini fixture', async () => {
    expect(await checkInventory(MINI)).toBe(2)
  })

  const present = qingchengPresent()
  it.skipIf(!present)(`every station of inventory/qingcheng${present ? '' : ' (skipped: inventory/qingcheng is not written yet)'}`, async () => {
    expect(await checkInventory(QINGCHENG)).toBeGreaterThan(100)
  })
})
