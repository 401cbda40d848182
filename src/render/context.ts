import type { InputProblem, SourcePosition } from '../cli/errors.js'
import type { CloudOutputs } from '../cloud/outputs.js'
import type { Station } from '../inventory/model.js'
import type { PositionIndex } from '../inventory/positions.js'
import type { DistrictSpec, Operator } from '../inventory/schema.js'
import type { Secret } from '../secrets/secret.js'
import { secretValueProblem, stationSecretRefs } from '../inventory/secret-refs.js'
import { contains, dhcpPool, parseNet, splitEndpoint, type Ipv4Net } from './net.js'
import type { Platform } from './platform.js'
import { SecretValue, type SecretUse } from './secret-value.js'

/** Everything one station's files are rendered from. Pure data: no I/O happens during rendering. */
export interface StationRenderContext {
  platform: Platform
  station: Station
  district: DistrictSpec
  /** the whole operators list; the context keeps those whose scope covers this station */
  operators: Operator[]
  cloud: CloudOutputs
  /** ref → Secret for every secret the station references */
  secrets: ReadonlyMap<string, Secret>
  /** to point problems at the inventory file:line (optional) */
  positions?: PositionIndex
}

/** The default APN of each carrier's public 4G service, used when the inventory names none. */
export const DEFAULT_APN: Record<string, string> = { 移动: 'cmnet', 联通: '3gnet', 电信: 'ctnet' }

/** 2.4 GHz channels allowed in CN (wireless-regdb: 2400–2483.5 MHz). */
const CN_24 = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
/** 5 GHz channels allowed in CN that can carry an 80 MHz (VHT80) channel: 36–48, 52–64 (DFS), 149–161. */
const CN_5_VHT80 = new Set([36, 40, 44, 48, 52, 56, 60, 64, 149, 153, 157, 161])

const SSID_MAX_BYTES = 32
const utf8 = new TextEncoder()

export type Mode = 'real' | 'masked'

/**
 * Problems that make a station impossible to render correctly, whatever the
 * templates say: SSIDs over 32 bytes, channels outside CN, a WAN without its
 * credentials, subnets too small for a DHCP pool, secrets that would make
 * hostapd or WireGuard refuse to start. Each points at the inventory line.
 * Secret values are checked by shape and never shown.
 */
export function checkStation(ctx: StationRenderContext): InputProblem[] {
  const s = ctx.station
  const problems: InputProblem[] = []
  const at = (field: Array<string | number>, message: string): void => {
    const position = locate(ctx, field)
    problems.push({ severity: 'error', station: s.id, field: field.join('.'), message, ...(position ? { position } : {}) })
  }

  for (const [key, v] of Object.entries(s.lan)) {
    if (!v) continue
    const net = parseNet(v.subnet)
    if (net.misaligned) at(['lan', key, 'subnet'], `${v.subnet} has host bits set; write the network address ${net.cidr} (the gateway is its first host)`)
    if (!dhcpPool(net)) at(['lan', key, 'subnet'], `${v.subnet} is too small for the gateway and a DHCP pool; use a /30 or larger`)
  }
  const hubNet = parseNet(ctx.cloud.hub.tunnelSubnet)
  if (!contains(hubNet, s.management.address)) at(['management', 'address'], `${s.management.address} is the station's tunnel address and must be inside the hub's tunnel subnet ${ctx.cloud.hub.tunnelSubnet}`)

  const w = s.wan
  const protoFor: Record<string, string[]> = { fibre: ['dhcp', 'pppoe'], adsl: ['pppoe'], '4g': ['qmi'] }
  if (!protoFor[w.type]?.includes(w.proto)) at(['wan', 'proto'], `a ${w.type} WAN uses proto ${protoFor[w.type]?.join(' or ')}, not ${w.proto}`)
  if (w.proto === 'pppoe' && !w.pppoe) at(['wan'], 'proto pppoe needs pppoe: {username, password: {secret: …}}')
  if (w.proto !== 'pppoe' && w.pppoe) at(['wan', 'pppoe'], `pppoe credentials are given but proto is ${w.proto}; remove them or set proto: pppoe`)
  if (s.wanBackup && w.type === '4g') at(['wanBackup'], 'the primary WAN is already 4G on the modem; a 4G backup needs a second modem, which the templates do not support: remove wanBackup')

  if (s.wifi) {
    const wifi = s.wifi
    if (!s.lan.publicWifi) at(['lan'], 'a station with wifi needs lan.publicWifi (the VLAN the public SSID is bridged into)')
    for (const which of ['staff', 'public'] as const) {
      const ssid = wifi[which].ssid
      const bytes = utf8.encode(ssid).length
      if (bytes > SSID_MAX_BYTES) at(['wifi', which, 'ssid'], `SSID ${JSON.stringify(ssid)} is ${bytes} bytes in UTF-8; the limit is ${SSID_MAX_BYTES} bytes (a Chinese character takes 3): shorten it`)
    }
    if (!CN_24.has(wifi.radio2g.channel)) at(['wifi', 'radio2g', 'channel'], `2.4 GHz channel ${wifi.radio2g.channel} is not allowed in CN (1–13; use 1, 6 or 11)`)
    if (wifi.radio5g && !CN_5_VHT80.has(wifi.radio5g.channel)) at(['wifi', 'radio5g', 'channel'], `5 GHz channel ${wifi.radio5g.channel} cannot carry VHT80 in CN (36–48, 52–64 with DFS, 149–161; 149 is preferred)`)
  }

  // Secret shapes (never their values): the same rules as `inventory validate`.
  for (const r of stationSecretRefs(s)) {
    const value = ctx.secrets.get(r.ref)
    const bad = value ? secretValueProblem(r.kind, value.reveal()) : `secret ${r.ref} was not resolved`
    if (bad) at(r.path.slice(0, -1), `${bad} (secret ${r.ref})`)
  }
  return problems
}

function locate(ctx: StationRenderContext, field: Array<string | number>): SourcePosition | undefined {
  return ctx.positions?.locate(ctx.station.source.file, ['stations', ctx.station.source.index, ...field])
}

interface NetworkView {
  /** UCI interface name: mgmt, lan, public, iptv */
  name: string
  /** what the VLAN is for */
  purpose: 'management' | 'office' | 'publicWifi' | 'iptv'
  vlan: number
  subnet: string
  network: string
  prefix: number
  netmask: string
  /** the station's own address on this VLAN: the first host */
  address: string
  dhcp: { start: number; limit: number; first: string; last: string; leasetime: string }
}

function networkView(name: NetworkView['name'], purpose: NetworkView['purpose'], v: { vlan: number; subnet: string }, leasetime: string): NetworkView {
  const net: Ipv4Net = parseNet(v.subnet)
  // checkStation() has refused subnets without a pool before rendering gets here.
  const pool = dhcpPool(net) ?? { start: 0, limit: 0, first: net.address, last: net.address }
  return { name, purpose, vlan: v.vlan, subnet: net.cidr, network: net.network, prefix: net.prefix, netmask: net.netmask, address: net.address, dhcp: { ...pool, leasetime } }
}

/** The operators whose keys go on this station: district operators everywhere, town operators in their towns. */
export function operatorsFor(station: Pick<Station, 'town'>, operators: Operator[]): Operator[] {
  return operators.filter((o) => o.role === 'district' || o.towns.includes(station.town.code))
}

/**
 * The template context (documented variable by variable in docs/templates.md).
 * Optional things are explicit `null` so strictVariables still catches typos;
 * secrets are SecretValue drops that print the value (mode real) or
 * `‹secret:<ref>›` (mode masked).
 */
export function buildTemplateContext(ctx: StationRenderContext, mode: Mode, use: SecretUse): Record<string, unknown> {
  const s = ctx.station
  const secret = (ref: string): SecretValue => {
    const found = ctx.secrets.get(ref)
    // resolveStationSecrets() guarantees every ref; this is a programming error if it fires.
    if (!found) throw new Error(`secret ${ref} of station ${s.id} was not resolved before rendering`)
    return new SecretValue(found, mode === 'masked', use)
  }

  const networks = {
    mgmt: networkView('mgmt', 'management', s.lan.management, '12h'),
    lan: networkView('lan', 'office', s.lan.office, '12h'),
    public: s.wifi && s.lan.publicWifi ? networkView('public', 'publicWifi', s.lan.publicWifi, '1h') : null,
    iptv: networkView('iptv', 'iptv', s.lan.iptv, '12h'),
  }
  const networkList = [networks.mgmt, networks.lan, ...(networks.public ? [networks.public] : []), networks.iptv]

  const apn = (carrier: string, given: string | undefined): string | null => given ?? DEFAULT_APN[carrier] ?? null
  const station = {
    id: s.id,
    name: s.name,
    short: s.short,
    kind: s.kind,
    note: s.note ?? null,
    canary: s.canary,
    platform: s.platform,
    ecommerce: s.ecommerce,
    settopBoxHouseholds: s.settopBoxHouseholds,
    infoPoints: s.infoPoints,
    town: { code: s.town.code, name: s.town.name, slug: s.town.slug },
    management: { address: s.management.address },
    devices: s.devices.map((d) => ({ type: d.type, model: d.model, count: d.count, usb: d.usb ?? null })),
    wan: {
      type: s.wan.type,
      carrier: s.wan.carrier,
      proto: s.wan.proto,
      bandwidthMbps: s.wan.bandwidthMbps,
      device: s.wan.device ?? null,
      apn: s.wan.proto === 'qmi' ? apn(s.wan.carrier, s.wan.apn) : (s.wan.apn ?? null),
      pppoe: s.wan.pppoe ? { username: s.wan.pppoe.username, password: secret(s.wan.pppoe.password.secret) } : null,
    },
    wanBackup: s.wanBackup ? { type: s.wanBackup.type, carrier: s.wanBackup.carrier, apn: apn(s.wanBackup.carrier, s.wanBackup.apn) } : null,
    wifi: s.wifi
      ? {
          radio2g: { channel: s.wifi.radio2g.channel },
          radio5g: s.wifi.radio5g ? { channel: s.wifi.radio5g.channel } : null,
          staff: { ssid: s.wifi.staff.ssid, encryption: s.wifi.staff.encryption, key: secret(s.wifi.staff.key.secret) },
          public: { ssid: s.wifi.public.ssid, encryption: s.wifi.public.encryption },
        }
      : null,
    tunnel: { privateKey: secret(s.tunnel.privateKey.secret), address: s.management.address },
    fibreUpgrade: {
      status: s.fibreUpgrade.status,
      carrier: s.fibreUpgrade.carrier ?? null,
      planned: s.fibreUpgrade.planned ?? null,
      started: s.fibreUpgrade.started ?? null,
      completed: s.fibreUpgrade.completed ?? null,
    },
  }

  const c = ctx.cloud
  const hub = splitEndpoint(c.hub.endpoint)
  const cloud = {
    source: c.source,
    hub: { endpoint: c.hub.endpoint, host: hub.host, port: hub.port, publicKey: c.hub.publicKey, address: c.hub.address, tunnelSubnet: c.hub.tunnelSubnet },
    portal: { address: c.portal.address, url: c.portal.url },
    monitoring: { address: c.monitoring.address },
    subnet: c.cloudSubnet,
    dns: [...c.dns],
    ntp: [...c.ntp],
  }

  const operators = operatorsFor(s, ctx.operators).map((o) => ({
    id: o.id,
    name: o.name,
    role: o.role,
    // type + base64 only: the comment becomes lastmile:<id> so a key on a station names its operator.
    key: o.sshPublicKey.split(' ').slice(0, 2).join(' '),
  }))

  // /etc/lastmile/station.json: what the station is expected to be (health compares against it).
  // No config id inside: the id is a hash over the files, this file included.
  const summary = {
    format: 1,
    id: s.id,
    name: s.name,
    short: s.short,
    kind: s.kind,
    town: station.town,
    platform: s.platform,
    management: { address: s.management.address },
    wan: {
      type: s.wan.type,
      carrier: s.wan.carrier,
      proto: s.wan.proto,
      bandwidthMbps: s.wan.bandwidthMbps,
      backup: s.wanBackup ? { type: s.wanBackup.type, carrier: s.wanBackup.carrier } : null,
    },
    devices: station.devices,
    wifi: s.wifi
      ? { staffSsid: s.wifi.staff.ssid, publicSsid: s.wifi.public.ssid, channel2g: s.wifi.radio2g.channel, channel5g: s.wifi.radio5g?.channel ?? null }
      : null,
    ecommerce: s.ecommerce,
    settopBoxHouseholds: s.settopBoxHouseholds,
    infoPoints: s.infoPoints,
  }

  return {
    station,
    networks,
    networkList,
    district: { code: ctx.district.code, name: ctx.district.name, vlans: { ...ctx.district.vlans } },
    cloud,
    operators,
    summary,
    platform: { name: ctx.platform.name, vars: ctx.platform.vars },
  }
}
