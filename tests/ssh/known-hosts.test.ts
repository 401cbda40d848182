import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePublicKeyLine } from '../../src/ssh/fingerprint.js'
import { applyRecords, findStationEntries, formatKnownHostsLine, hostPattern, parseKnownHosts, readKnownHosts, writeFileAtomic, type HostKeyRecord } from '../../src/ssh/known-hosts.js'
import { generateKey, type TestKey } from '../support/ssh-server.js'

function record(id: string, host: string, port: number, key: TestKey): HostKeyRecord {
  const k = parsePublicKeyLine(key.public)!
  return { stationId: id, host, port, keyType: k.type, keyBase64: k.base64, fingerprint: key.fingerprint }
}

describe('known_hosts', () => {
  const a = generateKey()
  const b = generateKey()

  it('writes OpenSSH host patterns: bare host on 22, [host]:port otherwise', () => {
    expect(hostPattern('10.250.2.1', 22)).toBe('10.250.2.1')
    expect(hostPattern('127.0.0.5', 2222)).toBe('[127.0.0.5]:2222')
    expect(formatKnownHostsLine(record('441802104201', '10.250.2.1', 22, a))).toMatch(/^10\.250\.2\.1 ssh-ed25519 AAAA\S+ lastmile:441802104201$/)
  })

  it('finds a station by its lastmile tag, else by address; keeps unrelated lines', () => {
    const text = [
      '# pinned by the district',
      `10.250.2.1 ${a.public.split(' ').slice(0, 2).join(' ')} lastmile:441802104201`,
      `[10.250.1.1]:2222 ${b.public.split(' ').slice(0, 2).join(' ')}`,
      '|1|hashed|entry ssh-ed25519 AAAA',
      'garbage',
    ].join('\n')
    const kh = parseKnownHosts(text)
    expect(kh.entries).toHaveLength(2)
    expect(findStationEntries(kh, { stationId: '441802104201', host: '10.9.9.9', port: 22 }).map((e) => e.fingerprint)).toEqual([a.fingerprint])
    expect(findStationEntries(kh, { stationId: '441802006001', host: '10.250.1.1', port: 2222 }).map((e) => e.fingerprint)).toEqual([b.fingerprint])
    // a line tagged for another station never pins this one
    expect(findStationEntries(kh, { stationId: '441802006001', host: '10.250.2.1', port: 22 })).toEqual([])
  })

  it('adds new stations, keeps same keys, refuses a different key unless replaced', () => {
    const start = parseKnownHosts('# keep me\n' + formatKnownHostsLine(record('441802104201', '10.250.2.1', 22, a)) + '\n')
    const other = generateKey()
    const { text, outcomes } = applyRecords(start, [record('441802104201', '10.250.2.1', 22, a), record('441802006001', '10.250.1.1', 22, b), record('441802104201', '10.250.2.1', 22, other)])
    expect(outcomes.map((o) => o.action)).toEqual(['unchanged', 'added', 'refused'])
    expect(text.split('\n')[0]).toBe('# keep me')
    expect(parseKnownHosts(text).entries.map((e) => e.stationId)).toEqual(['441802104201', '441802006001'])

    const replaced = applyRecords(parseKnownHosts(text), [record('441802104201', '10.250.2.1', 22, other)], new Set(['441802104201']))
    expect(replaced.outcomes[0]).toMatchObject({ action: 'replaced', previous: [a.fingerprint] })
    const after = parseKnownHosts(replaced.text)
    expect(after.lines[0]).toBe('# keep me')
    expect(findStationEntries(after, { stationId: '441802104201', host: '10.250.2.1', port: 22 }).map((e) => e.fingerprint)).toEqual([other.fingerprint])
    expect(findStationEntries(after, { stationId: '441802006001', host: '10.250.1.1', port: 22 }).map((e) => e.fingerprint)).toEqual([b.fingerprint])
  })

  it('refreshes the address of a station whose key is unchanged', () => {
    const start = parseKnownHosts(formatKnownHostsLine(record('441802104201', '10.250.2.1', 22, a)) + '\n')
    const { text, outcomes } = applyRecords(start, [record('441802104201', '10.250.2.9', 2222, a)])
    expect(outcomes[0]?.action).toBe('unchanged')
    expect(text).toMatch(/^\[10\.250\.2\.9\]:2222 ssh-ed25519 /)
  })

  it('is readable by OpenSSH (ssh-keygen -F finds the station) and written atomically', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lastmile-kh-'))
    try {
      const file = path.join(dir, 'sub', 'known_hosts')
      expect((await readKnownHosts(file)).entries).toEqual([])
      const { text } = applyRecords(await readKnownHosts(file), [record('441802104201', '127.0.0.5', 2222, a), record('441802006001', '10.250.1.1', 22, b)])
      await writeFileAtomic(file, text)
      expect(readFileSync(file, 'utf8')).toBe(text)
      const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.5]:2222', '-f', file]).toString()
      expect(found).toContain('lastmile:441802104201')
      const found22 = execFileSync('ssh-keygen', ['-F', '10.250.1.1', '-f', file]).toString()
      expect(found22).toContain('lastmile:441802006001')
      writeFileSync(file, text + 'extra-line\n')
      expect((await readKnownHosts(file)).lines.at(-1)).toBe('extra-line')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
