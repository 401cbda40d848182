import type { Station } from '../model.js'
import type { LanPlan } from '../schema.js'
import { contains, formatIpv4, isNetworkAddress, networkText, overlappingPairs, parseCidr, parseIpv4, type Subnet } from '../ipv4.js'
import type { FieldPath, Findings } from './findings.js'

type Purpose = keyof LanPlan
const PURPOSES: readonly Purpose[] = ['management', 'office', 'publicWifi', 'iptv']

interface Placed {
  subnet: Subnet
  order: number
  label: string
  report: (severity: 'error' | 'warning', rule: string, message: string) => void
  /** file:line, worked out only for a message (a position needs the file's YAML parsed) */
  where: () => string
}

/**
 * The addressing plan: LAN subnets per station (one VLAN each), the WireGuard
 * tunnel subnet holding every management address, and the cloud subnet. Any
 * overlap makes routing over the tunnel ambiguous, so every pair is reported.
 */
export function checkAddressing(f: Findings): void {
  const { inv } = f
  const d = inv.district
  const placed: Placed[] = []
  let order = 0

  const tunnel = parseCidr(d.hub.tunnelSubnet)
  const cloud = parseCidr(d.cloud.subnet)
  const districtSubnet = (field: FieldPath, s: Subnet, label: string): void => {
    if (!isNetworkAddress(s)) f.district(field, 'error', 'addressing.host-bits', `${s.text} has host bits set; write the network address ${networkText(s)}`)
    placed.push({ subnet: s, order: order++, label, where: () => f.at(f.districtFile, ['district', ...field]), report: (sev, rule, msg) => f.district(field, sev, rule, msg) })
  }
  districtSubnet(['hub', 'tunnelSubnet'], tunnel, 'district.hub.tunnelSubnet')
  districtSubnet(['cloud', 'subnet'], cloud, 'district.cloud.subnet')

  const hub = parseIpv4(d.hub.address)
  if (!contains(tunnel, hub)) f.district(['hub', 'address'], 'error', 'addressing.hub-outside-tunnel', `hub address ${d.hub.address} is outside the tunnel subnet ${d.hub.tunnelSubnet}; stations could not route to it`)

  const mgmtOwners = new Map<number, { label: () => string }>([[hub, { label: () => `the hub (district.hub.address)` }]])
  for (const s of inv.stations) {
    for (const purpose of PURPOSES) {
      const vlan = s.lan[purpose]
      if (!vlan) continue
      const field = ['lan', purpose, 'subnet']
      const subnet = parseCidr(vlan.subnet)
      if (!isNetworkAddress(subnet)) f.station(s, field, 'error', 'addressing.host-bits', `${vlan.subnet} has host bits set; write the network address ${networkText(subnet)}`)
      placed.push({ subnet, order: order++, label: `lan.${purpose} of station ${s.id}`, where: () => f.where(s, field), report: (sev, rule, msg) => f.station(s, field, sev, rule, msg) })
    }
    checkVlans(f, s)

    const addr = parseIpv4(s.management.address)
    if (!contains(tunnel, addr)) {
      f.station(s, ['management', 'address'], 'error', 'addressing.management-outside-tunnel', `management address ${s.management.address} is outside the tunnel subnet ${d.hub.tunnelSubnet}: the controller reaches stations only through the tunnel; use an address in ${d.hub.tunnelSubnet} (plan: 10.250.<town>.<station>)`)
    }
    const owner = mgmtOwners.get(addr)
    if (owner) f.station(s, ['management', 'address'], 'error', 'addressing.duplicate-management', `management address ${s.management.address} is already used by ${owner.label()}; every station needs its own (plan: 10.250.<town>.<station>)`)
    else mgmtOwners.set(addr, { label: () => `station ${s.id} (${f.where(s, ['management', 'address'])})` })
  }

  for (const [earlier, later] of overlappingPairs(placed)) {
    later.report('error', 'addressing.overlap', `${later.subnet.text} (${later.label}) overlaps ${earlier.subnet.text} (${earlier.label}, ${earlier.where()}); give each VLAN its own block (plan: 10.<20+town>.<station>.0/24 per station) and keep the tunnel ${d.hub.tunnelSubnet} and cloud ${d.cloud.subnet} apart`)
  }

  for (const [field, text] of [[['cloud', 'portal', 'address'], d.cloud.portal.address], [['cloud', 'monitoring', 'address'], d.cloud.monitoring.address]] as const) {
    if (!contains(cloud, parseIpv4(text))) f.district(field, 'warning', 'addressing.cloud-address', `${text} is outside the cloud subnet ${d.cloud.subnet} (${formatIpv4(cloud.first)}–${formatIpv4(cloud.last)}); stations route only the cloud subnet through the tunnel`)
  }
}

/** Each purpose has one VLAN id district-wide (district.vlans); publicWifi goes with WiFi. */
function checkVlans(f: Findings, s: Station): void {
  const plan = f.inv.district.vlans
  for (const purpose of PURPOSES) {
    const vlan = s.lan[purpose]
    if (!vlan) continue
    const expected = plan[purpose]
    if (vlan.vlan === expected) continue
    const owner = PURPOSES.find((p) => plan[p] === vlan.vlan)
    const what = owner ? `VLAN ${vlan.vlan} is reserved for ${owner} (district.vlans)` : `district.vlans says ${purpose} is VLAN ${expected}`
    f.station(s, ['lan', purpose, 'vlan'], 'error', 'vlan.purpose', `lan.${purpose} uses VLAN ${vlan.vlan}, but ${what}; use VLAN ${expected} so switches and templates agree across the district`)
  }
  if (s.lan.publicWifi && !s.wifi) {
    f.station(s, ['lan', 'publicWifi'], 'warning', 'vlan.public-wifi-unused', 'lan.publicWifi is planned but the station has no wifi: section; add wifi or remove the unused VLAN')
  }
  if (s.wifi && !s.lan.publicWifi) {
    f.station(s, ['wifi', 'public'], 'error', 'vlan.public-wifi-missing', `the public SSID needs a VLAN of its own, kept apart from the office LAN: add lan.publicWifi { vlan: ${plan.publicWifi}, subnet: <station /24>.128/26 }`)
  }
}
