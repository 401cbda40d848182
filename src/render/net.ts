/**
 * The little IPv4 arithmetic the templates need: each VLAN's gateway address
 * (first host), netmask and a DHCP pool that stays inside the subnet. Inputs
 * are shape-checked by the inventory schema; alignment and size are checked here
 * because a misaligned subnet would silently put the gateway in the wrong place.
 */

import { contains as subnetContains, formatIpv4, isNetworkAddress, networkText, parseCidr, parseIpv4 } from '../inventory/ipv4.js'

export interface Ipv4Net {
  /** network address as text, e.g. 10.22.1.224 */
  network: string
  prefix: number
  /** e.g. 10.22.1.224/28 */
  cidr: string
  netmask: string
  /** first usable host: the station's own address on this VLAN */
  address: string
  /** number of usable host addresses */
  hosts: number
  /** host bits were set in what the inventory wrote (10.22.1.5/28) */
  misaligned: boolean
}

export interface DhcpPool {
  /** offset from the network address (OpenWrt `start`) */
  start: number
  /** number of leases (OpenWrt `limit`) */
  limit: number
  first: string
  last: string
}

// One IPv4 arithmetic for the whole project (inventory/ipv4.ts); the render names are aliases.
export { formatIpv4 as intToIp, parseIpv4 as ipToInt } from '../inventory/ipv4.js'

export function parseNet(cidr: string): Ipv4Net {
  const s = parseCidr(cidr)
  const mask = s.prefix === 0 ? 0 : (0xffffffff << (32 - s.prefix)) >>> 0
  return {
    network: formatIpv4(s.first),
    prefix: s.prefix,
    cidr: networkText(s),
    netmask: formatIpv4(mask),
    address: formatIpv4(s.first + 1),
    hosts: s.prefix >= 31 ? 0 : s.last - s.first - 1,
    misaligned: !isNetworkAddress(s),
  }
}

export function contains(net: Ipv4Net, address: string): boolean {
  return subnetContains(parseCidr(net.cidr), parseIpv4(address))
}

/**
 * The DHCP pool of a VLAN: the first quarter of the hosts (at least the
 * gateway) stays free for static devices (printers, the set-top box head-end,
 * the management switch), the rest is leased. Undefined when the subnet is too
 * small to lease anything (/31 and /32).
 */
export function dhcpPool(net: Ipv4Net): DhcpPool | undefined {
  if (net.hosts < 2) return undefined
  const start = 1 + Math.max(1, Math.ceil(net.hosts / 4))
  const limit = net.hosts - start + 1
  if (limit < 1) return undefined
  const base = parseIpv4(net.network)
  return { start, limit, first: formatIpv4(base + start), last: formatIpv4(base + start + limit - 1) }
}

/** `hub.example.cn:51820` → host and port (the schema already requires host:port). */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const at = endpoint.lastIndexOf(':')
  return { host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)) }
}
