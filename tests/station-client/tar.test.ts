import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildBundle, manifestLine, removalLine } from '../../src/station/bundle.js'
import { createTar, gzip } from '../../src/station/tar.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lastmile-tar-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const TARS = [
  { name: 'GNU tar', argv: ['tar'] },
  { name: 'busybox tar (as on OpenWrt)', argv: ['busybox', 'tar'] },
]

function run(argv: string[], args: string[]): { stdout: string; stderr: string } {
  const [cmd, ...pre] = argv
  const r = execFileSync(cmd as string, [...pre, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  return { stdout: r.toString(), stderr: '' }
}

describe('createTar (ustar)', () => {
  const long = 'files/etc/' + 'a'.repeat(60) + '/' + 'b'.repeat(60) + '/' + 'c'.repeat(90)
  const entries = [
    { name: 'MANIFEST', content: Buffer.from('hello\n'), mode: 0o644 },
    { name: 'files/', type: 'dir' as const },
    { name: 'files/etc/', type: 'dir' as const },
    { name: 'files/etc/empty', content: Buffer.alloc(0) },
    { name: 'files/etc/exact512', content: Buffer.alloc(512, 'x') },
    { name: 'files/etc/清城区.txt', content: Buffer.from('飞来峡\n'), mode: 0o600 },
    { name: long, content: Buffer.from('deep\n') },
  ]

  for (const t of TARS) {
    it(`lists and extracts with ${t.name}, without warnings`, () => {
      const archive = path.join(dir, 'a.tar')
      writeFileSync(archive, createTar(entries, { mtime: 1_700_000_000 }))
      const listing = execFileSync(t.argv[0] as string, [...t.argv.slice(1), '-tvf', archive], { stdio: ['ignore', 'pipe', 'pipe'] })
      const lines = listing.toString().trim().split('\n')
      expect(lines).toHaveLength(entries.length)
      expect(lines[0]).toMatch(/^-rw-r--r-- .*MANIFEST$/)
      expect(lines[1]).toMatch(/^d.* files\/$/)
      expect(lines[5]).toMatch(/^-rw------- .*files\/etc\/清城区\.txt$/)
      expect(lines[6]).toContain(long)
      const out = path.join(dir, 'out')
      execFileSync('mkdir', [out])
      run(t.argv, ['-x', '-f', archive, '-C', out])
      expect(readFileSync(path.join(out, 'MANIFEST'), 'utf8')).toBe('hello\n')
      expect(readFileSync(path.join(out, 'files/etc/exact512')).length).toBe(512)
      expect(readFileSync(path.join(out, 'files/etc/empty')).length).toBe(0)
      expect(readFileSync(path.join(out, 'files/etc/清城区.txt'), 'utf8')).toBe('飞来峡\n')
      expect(readFileSync(path.join(out, long), 'utf8')).toBe('deep\n')
      expect(statSync(path.join(out, 'files/etc/清城区.txt')).mode & 0o777).toBe(0o600)
    })
  }

  it('ends with two zero blocks and pads every member to 512 bytes', () => {
    const tar = createTar([{ name: 'x', content: Buffer.from('1') }])
    expect(tar.length).toBe(512 + 512 + 1024)
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true)
  })

  it('refuses absolute names, .. and names too long for ustar', () => {
    expect(() => createTar([{ name: '/etc/passwd', content: Buffer.from('') }])).toThrow(/absolute/)
    expect(() => createTar([{ name: 'files/../x', content: Buffer.from('') }])).toThrow(/\.\./)
    expect(() => createTar([{ name: 'x'.repeat(101), content: Buffer.from('') }])).toThrow(/too long/)
  })

  it('gzip output is what the agent detects (1f 8b) and decompresses to the same tar', () => {
    const tar = createTar(entries)
    const gz = gzip(tar)
    expect([...gz.subarray(0, 2)]).toEqual([0x1f, 0x8b])
    expect(gunzipSync(gz).equals(tar)).toBe(true)
  })
})

describe('buildBundle', () => {
  it('MANIFEST first, then parent directories and changed files; extracts with busybox tar from gzip', () => {
    const line = manifestLine({ path: '/etc/config/network', sha256: 'a'.repeat(64), mode: '0644', reload: 'network' })
    expect(line).toBe(`${'a'.repeat(64)} 0644 network /etc/config/network`)
    const bundle = buildBundle([line, manifestLine({ path: '/etc/config/wireless', sha256: 'b'.repeat(64), mode: '0600', reload: 'wireless' })], [{ path: '/etc/config/network', content: Buffer.from('config interface lan\n') }], { mtime: 1_700_000_000 })
    const file = path.join(dir, 'b.tar.gz')
    writeFileSync(file, bundle)
    const names = execFileSync('busybox', ['tar', '-tzf', file]).toString().trim().split('\n')
    expect(names).toEqual(['MANIFEST', 'files/', 'files/etc/', 'files/etc/config/', 'files/etc/config/network'])
    const plain = buildBundle([line], [], { gzip: false })
    expect(plain.subarray(257, 262).toString()).toBe('ustar')
  })

  it('removalLine: `- - <reload> <path>`, the agent\'s line for a file that must be gone', () => {
    expect(removalLine({ path: '/etc/config/wireless', reload: 'wireless' })).toBe('- - wireless /etc/config/wireless')
    expect(removalLine({ path: '/etc/lastmile/old', reload: '-' })).toBe('- - - /etc/lastmile/old')
    expect(() => removalLine({ path: '/etc/../root/x', reload: '-' })).toThrow(/not a path the agent manages/)
    expect(() => removalLine({ path: '/etc/lastmile/state/applied', reload: '-' })).toThrow(/agent's own state/)
  })

  it('manifestLine refuses what the agent would refuse', () => {
    expect(() => manifestLine({ path: '/tmp/x', sha256: 'a'.repeat(64), mode: '0644', reload: '-' })).toThrow(/\/etc/)
    expect(() => manifestLine({ path: '/etc/x', sha256: 'A'.repeat(64), mode: '0644', reload: '-' })).toThrow(/sha256/)
    expect(() => manifestLine({ path: '/etc/x', sha256: 'a'.repeat(64), mode: '644x', reload: '-' })).toThrow(/mode/)
  })
})
