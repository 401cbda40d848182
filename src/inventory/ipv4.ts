/**
 * IPv4 arithmetic for the addressing cross-checks. Addresses are unsigned
 * 32-bit numbers; a subnet is the closed range [first, last]. Inputs are
 * already shape-checked by the schema (z.ipv4 / z.cidrv4).
 */

export interface Subnet {
  /** As written in the inventory, e.g. `10.21.3.0/25`. */
  text: string
  /** The address part as a number (may have host bits set: see `isNetworkAddress`). */
  address: number
  prefix: number
  first: number
  last: number
}

export function parseIpv4(text: string): number {
  const parts = text.split('.').map((p) => Number(p))
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${text}`)
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export function parseCidr(text: string): Subnet {
  const [addr, len] = text.split('/')
  const prefix = Number(len)
  if (addr === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 subnet: ${text}`)
  const address = parseIpv4(addr)
  const size = 2 ** (32 - prefix)
  const first = Math.floor(address / size) * size
  return { text, address, prefix, first, last: first + size - 1 }
}

/** `10.21.3.5/25` has host bits set: the network is `10.21.3.0/25`. */
export function isNetworkAddress(s: Subnet): boolean {
  return s.address === s.first
}

export function networkText(s: Subnet): string {
  return `${formatIpv4(s.first)}/${s.prefix}`
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.first <= b.last && b.first <= a.last
}

export function contains(s: Subnet, address: number): boolean {
  return address >= s.first && address <= s.last
}

/**
 * Every overlapping pair among `items`, each pair once, in input order of the
 * later item. Sort-and-sweep: O(n log n + pairs), fine for thousands of subnets.
 */
export function overlappingPairs<T extends { subnet: Subnet; order: number }>(items: readonly T[]): Array<[earlier: T, later: T]> {
  const sorted = [...items].sort((a, b) => a.subnet.first - b.subnet.first || b.subnet.last - a.subnet.last || a.order - b.order)
  const open: T[] = []
  const pairs: Array<[T, T]> = []
  for (const item of sorted) {
    for (let i = open.length - 1; i >= 0; i--) if (open[i]!.subnet.last < item.subnet.first) open.splice(i, 1)
    for (const other of open) pairs.push(other.order < item.order ? [other, item] : [item, other])
    open.push(item)
  }
  return pairs.sort((a, b) => a[1].order - b[1].order || a[0].order - b[0].order)
}
