import { mkdtemp, readFile, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { JournalWriter, journalPath, listRuns, newRunId, parseJournal, readJournal, repairTornTail, runIdPattern, type JournalFile } from '../../src/rollout/journal.js'

describe('run ids', () => {
  it('sort by time and carry a random suffix', () => {
    const a = newRunId(() => Date.UTC(2025, 10, 29, 2, 13, 5, 123), () => Buffer.from([0xa1, 0xb2, 0xc3]))
    expect(a).toBe('20251129T021305123Z-a1b2c3')
    expect(runIdPattern.test(a)).toBe(true)
    const b = newRunId(() => Date.UTC(2025, 10, 29, 2, 13, 5, 124), () => Buffer.from([0, 0, 0]))
    expect([b, a].sort()).toEqual([a, b])
  })
})

describe('JournalWriter', () => {
  it('writes one line per event and fsyncs each before resolving', async () => {
    const calls: string[] = []
    const file: JournalFile = {
      write: async (t) => void calls.push(`write ${t.trim().slice(0, 30)}`),
      sync: async () => void calls.push('sync'),
      close: async () => void calls.push('close'),
    }
    const j = new JournalWriter('r1', '/x', file, () => 0)
    await j.append({ type: 'wave-started', wave: 0, name: 'canary', stations: ['a'] })
    expect(calls).toEqual(['write {"ts":"1970-01-01T00:00:00.000', 'sync'])
    await Promise.all([j.append({ type: 'skipped', wave: 0, station: 'a', reason: 'x' }), j.append({ type: 'skipped', wave: 0, station: 'b', reason: 'y' })])
    await j.close()
    expect(calls.filter((c) => c === 'sync')).toHaveLength(3)
    expect(calls.at(-1)).toBe('close')
    await expect(j.append({ type: 'interrupted', wave: null, hard: false })).rejects.toThrow(/closed/)
  })

  it('appendMany: the settled stations of a preflight in one write and one fsync, each a line of its own', async () => {
    const writes: string[] = []
    let syncs = 0
    const file: JournalFile = { write: async (t) => void writes.push(t), sync: async () => void syncs++, close: async () => undefined }
    const j = new JournalWriter('r1', '/x', file, () => 0)
    await j.appendMany(['a', 'b', 'c'].map((station) => ({ type: 'unchanged' as const, wave: 0, station, configId: 'id1', ms: 5, timings: {} })))
    expect(writes).toHaveLength(1)
    expect(syncs).toBe(1)
    const parsed = parseJournal(writes[0] ?? '')
    expect(parsed.events.map((e) => (e as { station?: string }).station)).toEqual(['a', 'b', 'c'])
    expect(j.events).toHaveLength(3)
    await j.appendMany([])
    expect(syncs).toBe(1)
  })

  it('appends to .lastmile/runs/<id>.jsonl, readable back', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'lm-journal-'))
    const j = await JournalWriter.open(home, '20251129T021305123Z-a1b2c3')
    await j.append({ type: 'wave-started', wave: 0, name: 'canary', stations: ['441802006001'] })
    await j.append({ type: 'skipped', wave: 0, station: '441802006001', reason: 'test' })
    await j.close()
    const r = await readJournal(home, '20251129T021305123Z-a1b2c3')
    expect(r.torn).toBe(false)
    expect(r.events.map((e) => e.type)).toEqual(['wave-started', 'skipped'])
    expect(r.file).toBe(journalPath(home, '20251129T021305123Z-a1b2c3'))
    expect(await listRuns(home)).toEqual(['20251129T021305123Z-a1b2c3'])
  })
})

describe('readJournal tolerates a crash mid-write', () => {
  const good = '{"type":"wave-started","ts":"t","wave":0,"name":"c","stations":[]}\n'

  it('ignores a torn final line and says so, never throws', () => {
    const r = parseJournal(good + '{"type":"confirmed","ts":"t","wav')
    expect(r.events).toHaveLength(1)
    expect(r.torn).toBe(true)
    expect(parseJournal('').events).toEqual([])
    expect(parseJournal('garbage').torn).toBe(true)
    expect(parseJournal(good).torn).toBe(false)
  })

  it('a torn line followed by a resumed run (repaired with a newline) is skipped too', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'lm-journal-'))
    const id = '20251129T021305123Z-000000'
    const file = journalPath(home, id)
    await (await JournalWriter.open(home, id)).close()
    await writeFile(file, good + '{"type":"confi')
    expect(await repairTornTail(file)).toBe(true)
    expect(await repairTornTail(file)).toBe(false)
    await appendFile(file, good)
    const r = await readJournal(home, id)
    expect(r.events).toHaveLength(2)
    expect(r.torn).toBe(true)
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(4)
  })

  it('a missing journal reads as empty', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'lm-journal-'))
    expect((await readJournal(home, 'nope')).events).toEqual([])
    expect(await listRuns(home)).toEqual([])
  })
})

describe('journal lines never hold a secret value', () => {
  it('scrubs a known secret quoted in an error message', async () => {
    const { Secret } = await import('../../src/secrets/secret.js')
    const { JournalWriter, readJournal } = await import('../../src/rollout/journal.js')
    const { mkdtemp, readFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const s = new Secret('pppoe/441802104202', 'pppoe-very-secret-77')
    const home = await mkdtemp(path.join(tmpdir(), 'lastmile-journal-'))
    const w = await JournalWriter.open(home, 'run-secret')
    await w.append({ type: 'failed', station: '441802104202', errorClass: 'reload-failed', message: `pppd: bad password ${s.reveal()}` } as never)
    await w.close()
    const text = await readFile(path.join(home, 'runs', 'run-secret.jsonl'), 'utf8')
    expect(text).not.toContain('pppoe-very-secret-77')
    expect(text).toContain('‹secret›')
    expect((await readJournal(home, 'run-secret')).events.length).toBeGreaterThan(0)
  })
})
