import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseDocument } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import type { LabTarget } from '../../src/lab/target.js'
import { formatScan, formatTrust } from '../../src/ssh/format-hosts.js'
import { scanHosts, trustHosts } from '../../src/ssh/hosts.js'
import { closedPort, generateKey, startServer, type TestServer } from '../support/ssh-server.js'

const FIXTURE = path.resolve('tests/fixtures/inventory-mini')
const A = '441802104201' // 江口村委会
const B = '441802006001' // 高基里社区居委会
const C = '441802104202' // 新城村委会 (unreachable here)

let home: string
let serverA: TestServer
let serverB: TestServer
let deadPort: number
const scan = { timeoutMs: 3000, retry: { attempts: 1, baseMs: 1, maxMs: 1 } }

function writeLab(stations: LabTarget['stations']): void {
  const target: LabTarget = { version: 1, pid: process.pid, startedAt: new Date(0).toISOString(), inventory: FIXTURE, operatorKey: generateKey().private, stations }
  mkdirSync(path.join(home, 'lab'), { recursive: true })
  writeFileSync(path.join(home, 'lab', 'target.json'), JSON.stringify(target))
}

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'lastmile-hosts-'))
  serverA = await startServer()
  serverB = await startServer()
  deadPort = await closedPort()
})
afterAll(async () => {
  await serverA.close()
  await serverB.close()
  rmSync(home, { recursive: true, force: true })
})

describe('hosts scan and trust against the lab target', () => {
  it('scan: pinned-ok, MISMATCH and unreachable, with names from the lab inventory', async () => {
    writeLab([
      { id: A, host: '127.0.0.1', port: serverA.port, user: 'root', hostKey: serverA.hostKey.fingerprint, root: '/x' },
      { id: B, host: '127.0.0.1', port: serverB.port, user: 'root', hostKey: generateKey().fingerprint, root: '/y' },
      { id: C, host: '127.0.0.1', port: deadPort, user: 'root', hostKey: generateKey().fingerprint, root: '/z' },
    ])
    const r = await scanHosts({ inventoryDir: 'unused', lab: true, home, scan })
    expect(r.mode).toBe('lab')
    expect(r.rows.map((x) => [x.id, x.status])).toEqual([
      [A, 'pinned-ok'],
      [B, 'mismatch'],
      [C, 'unreachable'],
    ])
    expect(r.rows[0]?.name).toBe('江口村委会')
    expect(r.rows[1]?.fingerprint).toBe(serverB.hostKey.fingerprint)
    expect(r.counts).toEqual({ 'pinned-ok': 1, mismatch: 1, new: 0, unreachable: 1 })
    const text = formatScan(r)
    expect(text).toContain('MISMATCH')
    expect(text).toContain(serverB.hostKey.fingerprint)
    expect(text).toContain('ECONNREFUSED')
    // no login was attempted anywhere
    expect(serverA.keyAuthAttempts + serverB.keyAuthAttempts).toBe(0)
  })

  it('scan --station narrows the selection', async () => {
    const r = await scanHosts({ inventoryDir: 'unused', lab: true, home, stations: [A], scan })
    expect(r.rows.map((x) => x.id)).toEqual([A])
  })

  it('trust: shows the plan; writes nothing without --yes; then records, refusing the mismatch', async () => {
    const dry = await trustHosts({ inventoryDir: 'unused', lab: true, home, scan })
    expect(dry.written).toBe(false)
    expect(dry.plan.map((p) => [p.id, p.action])).toEqual([
      [A, 'add'],
      [B, 'refuse'],
      [C, 'skip'],
    ])
    expect(() => readFileSync(path.join(home, 'lab', 'known_hosts'))).toThrow()

    const asked: number[] = []
    const declined = await trustHosts({ inventoryDir: 'unused', lab: true, home, scan, confirm: async (plan) => (asked.push(plan.length), false) })
    expect(asked).toEqual([3])
    expect(declined.notWritten).toBe('declined')

    const done = await trustHosts({ inventoryDir: 'unused', lab: true, home, scan, yes: true })
    expect(done.written).toBe(true)
    const kh = readFileSync(path.join(home, 'lab', 'known_hosts'), 'utf8')
    expect(kh).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${serverA.port} ssh-ed25519 \\S+ lastmile:${A}\\n$`))
    expect(formatTrust(done)).toContain(`lastmile:${A}`)

    const again = await scanHosts({ inventoryDir: 'unused', lab: true, home, scan })
    expect(again.rows[0]).toMatchObject({ status: 'pinned-ok', pinSource: { kind: 'known_hosts' } })
    const noop = await trustHosts({ inventoryDir: 'unused', lab: true, home, scan, stations: [A] })
    expect(noop).toMatchObject({ written: false, notWritten: 'nothing to record' })
  })

  it('--replace only with --station, and then only for the stations named', async () => {
    await expect(trustHosts({ inventoryDir: 'unused', lab: true, home, scan, replace: true, yes: true })).rejects.toBeInstanceOf(UsageError)
    const r = await trustHosts({ inventoryDir: 'unused', lab: true, home, scan, stations: [B], replace: true, yes: true })
    expect(r.plan.map((p) => [p.id, p.action])).toEqual([[B, 'replace']])
    const after = await scanHosts({ inventoryDir: 'unused', lab: true, home, scan })
    expect(after.rows.map((x) => x.status)).toEqual(['pinned-ok', 'pinned-ok', 'unreachable'])
    // A's line is still there
    expect(readFileSync(path.join(home, 'lab', 'known_hosts'), 'utf8')).toContain(`lastmile:${A}`)
  })
})

describe('hosts against an inventory', () => {
  it('pins from station.ssh.hostKey and <inventory>/known_hosts; new stations are "new"', async () => {
    const inv = mkdtempSync(path.join(tmpdir(), 'lastmile-inv-'))
    try {
      cpSync(FIXTURE, inv, { recursive: true })
      const set = (file: string, id: string, ssh: Record<string, unknown>): void => {
        const doc = parseDocument(readFileSync(file, 'utf8'))
        const stations = doc.get('stations') as { items: Array<{ get(k: string): unknown; set(k: string, v: unknown): void }> }
        const st = stations.items.find((s) => s.get('id') === id)!
        st.set('management', doc.createNode({ address: '127.0.0.1' }))
        st.set('ssh', doc.createNode(ssh))
        writeFileSync(file, doc.toString())
      }
      set(path.join(inv, 'towns', 'feilaixia.yaml'), A, { port: serverA.port, hostKey: generateKey().fingerprint })
      set(path.join(inv, 'towns', 'fengcheng.yaml'), B, { port: serverB.port })
      const r = await scanHosts({ inventoryDir: inv, home, scan })
      expect(r.mode).toBe('inventory')
      expect(r.rows.map((x) => [x.id, x.status, x.pinSource?.kind])).toEqual([
        [A, 'mismatch', 'inventory'],
        [B, 'new', undefined],
      ])
      const t = await trustHosts({ inventoryDir: inv, home, scan, yes: true, towns: ['凤城'] })
      expect(t.plan.map((p) => [p.id, p.action])).toEqual([[B, 'add']])
      expect(readFileSync(path.join(inv, 'known_hosts'), 'utf8')).toContain(`lastmile:${B}`)
      const r2 = await scanHosts({ inventoryDir: inv, home, scan, towns: ['fengcheng'] })
      expect(r2.rows[0]).toMatchObject({ id: B, status: 'pinned-ok', pinSource: { kind: 'known_hosts' } })
    } finally {
      rmSync(inv, { recursive: true, force: true })
    }
  })
})
