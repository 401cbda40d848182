import { describe, expect, it } from 'vitest'
import { formatIpv4, isNetworkAddress, overlappingPairs, parseCidr, parseIpv4 } from '../../src/inventory/ipv4.js'

describe('ipv4', () => {
  it('parses and formats', () => {
    expect(formatIpv4(parseIpv4('10.250.3.17'))).toBe('10.250.3.17')
    expect(parseIpv4('255.255.255.255')).toBe(2 ** 32 - 1)
    const s = parseCidr('10.21.3.128/26')
    expect([formatIpv4(s.first), formatIpv4(s.last)]).toEqual(['10.21.3.128', '10.21.3.191'])
    expect(isNetworkAddress(parseCidr('10.21.3.5/25'))).toBe(false)
    expect(parseCidr('0.0.0.0/0').last).toBe(2 ** 32 - 1)
  })

  it('finds every overlapping pair once, later item second', () => {
    const items = ['10.0.0.0/8', '10.21.0.0/24', '10.22.0.0/24', '10.21.0.128/25', '192.168.0.0/16'].map((t, order) => ({ subnet: parseCidr(t), order }))
    const pairs = overlappingPairs(items).map(([a, b]) => `${a.subnet.text} ${b.subnet.text}`)
    expect(pairs).toEqual(['10.0.0.0/8 10.21.0.0/24', '10.0.0.0/8 10.22.0.0/24', '10.0.0.0/8 10.21.0.128/25', '10.21.0.0/24 10.21.0.128/25'])
  })

  it('does not report adjacent subnets', () => {
    const items = ['10.21.1.0/25', '10.21.1.128/26', '10.21.1.192/27', '10.21.1.224/28'].map((t, order) => ({ subnet: parseCidr(t), order }))
    expect(overlappingPairs(items)).toEqual([])
  })
})
