import { describe, expect, it } from 'vitest'
import { decideChanges, isUpToDate, type DesiredFile } from '../../src/station/diff.js'

const h = (c: string): string => c.repeat(64)
const desired: DesiredFile[] = [
  { path: '/etc/config/network', sha256: h('a'), mode: '0644' },
  { path: '/etc/config/wireless', sha256: h('b'), mode: '0600' },
  { path: '/etc/config/dhcp', sha256: h('c'), mode: '0644' },
]

describe('decideChanges', () => {
  it('ships what differs or is missing, keeps what matches, reports what is no longer desired', () => {
    const d = decideChanges(desired, { '/etc/config/network': h('a'), '/etc/config/wireless': h('f'), '/etc/config/dhcp': null, '/etc/config/old': h('e'), '/etc/config/gone': null })
    expect(d).toEqual({ changed: ['/etc/config/wireless', '/etc/config/dhcp'], unchanged: ['/etc/config/network'], removed: ['/etc/config/old'] })
  })

  it('a path the probe did not report counts as changed', () => {
    expect(decideChanges(desired, {}).changed).toHaveLength(3)
  })

  it('isUpToDate: same id, nothing pending, every hash equal', () => {
    const files = { '/etc/config/network': h('a'), '/etc/config/wireless': h('b'), '/etc/config/dhcp': h('c') }
    expect(isUpToDate('v1', desired, { appliedId: 'v1', pending: null, files })).toBe(true)
    expect(isUpToDate('v2', desired, { appliedId: 'v1', pending: null, files })).toBe(false)
    expect(isUpToDate('v1', desired, { appliedId: 'v1', pending: { id: 'v2', deadline: 1 }, files })).toBe(false)
    expect(isUpToDate('v1', desired, { appliedId: 'v1', pending: null, files: { ...files, '/etc/config/dhcp': null } })).toBe(false)
    // a managed file that is no longer desired still has to go
    expect(isUpToDate('v1', desired, { appliedId: 'v1', pending: null, files: { ...files, '/etc/config/old': h('e') } })).toBe(false)
  })
})
