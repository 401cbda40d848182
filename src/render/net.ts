/**
 * The little IPv4 arithmetic the templates need: each VLAN's gateway address
 * (first host), netmask and a DHCP pool that stays inside the subnet. Inputs
 * are shape-checked by the inventory schema; alignment and size are checked here
 * because a misaligned subnet would silently put the gateway in the wrong place.
 */

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

export function ipToInt(text: string): number {
  const parts = text.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${text}`)
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export function parseNet(cidr: string): Ipv4Net {
  const [addr, len] = cidr.split('/')
  const prefix = Number(len)
  if (addr === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 subnet: ${cidr}`)
  const raw = ipToInt(addr)
  const size = 2 ** (32 - prefix)
  const first = Math.floor(raw / size) * size
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  const hosts = prefix >= 31 ? 0 : size - 2
  return {
    network: intToIp(first),
    prefix,
    cidr: `${intToIp(first)}/${prefix}`,
    netmask: intToIp(mask),
    address: intToIp(first + 1),
    hosts,
    misaligned: raw !== first,
  }
}

export function contains(net: Ipv4Net, address: string): boolean {
  const a = ipToInt(address)
  const first = ipToInt(net.network)
  return a >= first && a < first + 2 ** (32 - net.prefix)
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
  const base = ipToInt(net.network)
  return { start, limit, first: intToIp(base + start), last: intToIp(base + start + limit - 1) }
}

/** `hub.example.cn:51820` → host and port (the schema already requires host:port). */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const at = endpoint.lastIndexOf(':')
  return { host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)) }
}
