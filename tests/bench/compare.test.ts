import { createHash } from 'node:crypto'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { compareSnapshots, describeDifferences, snapshotRoot, type FleetSnapshot } from '../../bench/lib/compare.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lastmile-bench-compare-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function put(root: string, rel: string, text: string, mode: number): Promise<void> {
  const file = path.join(root, rel)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
  await chmod(file, mode)
}

const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex')
const facts = (sha: string, mode = '0644') => ({ sha256: sha.repeat(64).slice(0, 64), mode })

describe('the identity check', () => {
  it("hashes a station's managed files with their modes, leaving out the agent's state and the stubs", async () => {
    await put(dir, 'etc/config/network', "config interface 'wan'\n", 0o600)
    await put(dir, 'etc/lastmile/wan-link', 'fibre\n', 0o644)
    await put(dir, 'etc/lastmile/state/applied', 'abc\n', 0o600)
    await put(dir, 'etc/init.d/network', '#!/bin/sh\n', 0o755)
    const snap = await snapshotRoot(dir)
    expect([...snap.keys()]).toEqual(['/etc/config/network', '/etc/lastmile/wan-link'])
    expect(snap.get('/etc/config/network')).toEqual({ sha256: sha256("config interface 'wan'\n"), mode: '0600' })
    expect(snap.get('/etc/lastmile/wan-link')).toEqual({ sha256: sha256('fibre\n'), mode: '0644' })
  })

  it('finds files on one side only, content and mode differences, per station', () => {
    const left: FleetSnapshot = new Map([
      ['s1', new Map([['/etc/config/network', facts('a', '0600')], ['/etc/config/dhcp', facts('b')]])],
      ['s2', new Map([['/etc/config/network', facts('c', '0600')]])],
    ])
    const right: FleetSnapshot = new Map([
      ['s1', new Map([['/etc/config/network', facts('a', '0644')], ['/etc/config/wireless', facts('d', '0600')]])],
      ['s2', new Map([['/etc/config/network', facts('e', '0600')]])],
    ])
    const c = compareSnapshots(left, right)
    expect(c.identical).toBe(false)
    expect(c.stations).toBe(2)
    expect(c.files).toBe(4)
    expect(c.differences.map((d) => [d.station, d.path, d.kind])).toEqual([
      ['s1', '/etc/config/dhcp', 'missing-right'],
      ['s1', '/etc/config/network', 'mode'],
      ['s1', '/etc/config/wireless', 'missing-left'],
      ['s2', '/etc/config/network', 'content'],
    ])
    const lines = describeDifferences(c, ['lastmile', 'ansible'], 3)
    expect(lines[0]).toBe('s1 /etc/config/dhcp: only lastmile has it')
    expect(lines[1]).toBe('s1 /etc/config/network: mode differs (lastmile 0600, ansible 0644)')
    expect(lines.at(-1)).toBe('… and 1 more')
  })

  it('calls identical fleets identical', () => {
    const a: FleetSnapshot = new Map([['s1', new Map([['/etc/config/network', facts('a')]])]])
    expect(compareSnapshots(a, new Map(a))).toEqual({ stations: 1, files: 1, identical: true, differences: [] })
  })
})
