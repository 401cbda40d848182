import { describe, expect, it } from 'vitest'
import { renderAll } from '../../src/render/render-all.js'
import { configIdOf, manifestLines, tidy } from '../../src/render/station.js'
import { planChannels24 } from '../../src/render/channels.js'
import { uciFilter } from '../../src/render/engine.js'
import { dhcpPool, parseNet } from '../../src/render/net.js'
import { fixedResolver, loadMini } from './helpers.js'

describe('renderAll', () => {
  it('renders only stations that exist, in inventory order, deterministically', async () => {
    const inv = await loadMini()
    const a = await renderAll(inv, { resolver: fixedResolver() })
    const b = await renderAll(inv, { resolver: fixedResolver() })
    expect(a.map((r) => r.stationId)).toEqual(['441802104201', '441802006001'])
    expect(a.map((r) => r.configId)).toEqual(b.map((r) => r.configId))
    for (const r of a) expect(r.configId).toMatch(/^[0-9a-f]{16}$/)
  })

  it('narrows by town (code, slug or Chinese name) and by station', async () => {
    const inv = await loadMini()
    for (const t of ['441802006000', 'fengcheng', '凤城街道']) expect((await renderAll(inv, { towns: [t], resolver: fixedResolver() })).map((r) => r.stationId)).toEqual(['441802006001'])
    expect((await renderAll(inv, { stations: ['441802104201'], resolver: fixedResolver() })).map((r) => r.stationId)).toEqual(['441802104201'])
    await expect(renderAll(inv, { towns: ['nowhere'], resolver: fixedResolver() })).rejects.toThrow(/unknown town/)
    await expect(renderAll(inv, { stations: ['441802104202'], resolver: fixedResolver() })).rejects.toThrow(/no service station yet/)
  })

  it('a different secret value changes the config id (the id covers every byte)', async () => {
    const inv = await loadMini()
    const [a] = await renderAll(inv, { stations: ['441802104201'], resolver: fixedResolver() })
    const [b] = await renderAll(inv, { stations: ['441802104201'], resolver: fixedResolver({ 'wifi/441802104201/staff': 'another-staff-key' }) })
    expect(a!.configId).not.toBe(b!.configId)
  })

  it('manifest lines are what the station agent reads: <sha256> <mode> <reload|-> <path>, sorted by path', async () => {
    const [r] = await renderAll(await loadMini(), { stations: ['441802104201'], resolver: fixedResolver() })
    const lines = manifestLines(r!)
    expect(lines).toHaveLength(r!.files.length)
    for (const l of lines) expect(l).toMatch(/^[0-9a-f]{64} 0[0-7]{3} (network|wireless|firewall|dhcp|dropbear|-) \/etc\/[A-Za-z0-9._/-]+$/)
    expect(lines.map((l) => l.split(' ')[3])).toEqual([...r!.files.map((f) => f.path)].sort())
    expect(r!.files.map((f) => [f.path, f.mode])).toContainEqual(['/etc/dropbear/authorized_keys', '0600'])
    expect(r!.files.find((f) => f.path === '/etc/config/network')!.secretFields).toEqual(['wireguard/441802104201'])
    expect(r!.files.find((f) => f.path === '/etc/config/firewall')!.secretFields).toEqual([])
  })

  it('the config id is the first 16 hex of sha256 over the sorted "sha256 mode path" lines', () => {
    const files = [
      { path: '/etc/b', mode: '0644', sha256: 'b'.repeat(64) },
      { path: '/etc/a', mode: '0600', sha256: 'a'.repeat(64) },
    ]
    expect(configIdOf(files)).toBe(configIdOf([...files].reverse()))
    expect(configIdOf(files)).not.toBe(configIdOf([{ ...files[0]!, mode: '0600' }, files[1]!]))
  })
})

describe('uci filter', () => {
  it('single-quotes text and numbers, refuses what cannot be quoted', () => {
    expect(uciFilter('清城区飞来峡江口村')).toBe("'清城区飞来峡江口村'")
    expect(uciFilter(149)).toBe("'149'")
    expect(uciFilter(true)).toBe("'1'")
    expect(() => uciFilter("it's")).toThrow(/single quote/)
    expect(() => uciFilter('a\nb')).toThrow(/newline/)
    expect(() => uciFilter('a\u0007b')).toThrow(/control character \(U\+0007\)/)
    expect(() => uciFilter(null)).toThrow(/no value/)
    expect(() => uciFilter(['a'])).toThrow(/a list/)
  })
})

describe('addressing helpers', () => {
  it('first host, netmask and a pool inside the subnet', () => {
    const n = parseNet('10.22.1.224/28')
    expect([n.address, n.netmask, n.hosts]).toEqual(['10.22.1.225', '255.255.255.240', 14])
    expect(dhcpPool(n)).toEqual({ start: 5, limit: 10, first: '10.22.1.229', last: '10.22.1.238' })
    expect(parseNet('10.22.1.5/28').misaligned).toBe(true)
    expect(dhcpPool(parseNet('10.0.0.0/30'))).toEqual({ start: 2, limit: 1, first: '10.0.0.2', last: '10.0.0.2' })
    expect(dhcpPool(parseNet('10.0.0.0/31'))).toBeUndefined()
  })

  it('tidy trims trailing blanks and blank runs, ends with one newline', () => {
    expect(tidy('\n\na  \n\n\n\nb\t\n\n')).toBe('a\n\nb\n')
  })
})

describe('2.4 GHz channel plan', () => {
  it('warns when neighbours in a town share a channel or leave 1/6/11', async () => {
    const inv = await loadMini()
    const base = inv.stations.find((s) => s.id === '441802104201')!
    const twin = { ...base, id: '441802104203', name: '测试村委会', source: { ...base.source, index: 5 } }
    const odd = { ...base, id: '441802104205', name: '另一村委会', wifi: { ...base.wifi!, radio2g: { channel: 3 } } }
    const plan = planChannels24([odd, base, twin], { positions: inv.positions })
    expect(plan.suggested).toEqual({ '441802104201': 1, '441802104203': 6, '441802104205': 11 })
    expect(plan.problems.map((p) => [p.station, p.severity])).toEqual([
      ['441802104203', 'warning'],
      ['441802104205', 'warning'],
    ])
    expect(plan.problems[0]!.message).toMatch(/same as the neighbouring station 441802104201/)
    expect(plan.problems[1]!.message).toMatch(/channel 3 overlaps/)
    expect(planChannels24([base]).problems).toEqual([])
  })
})
