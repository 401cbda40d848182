import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { pidAlive } from '../../src/lab/procs.js'
import { startLab, stopLab } from '../../src/lab/service.js'
import type { LabStation, LabTarget } from '../../src/lab/target.js'
import { json, sshRun } from './helpers.js'

/* Labs with other settings: each test starts its own small lab in its own LASTMILE_HOME. */

const homes: string[] = []
async function newHome(): Promise<string> {
  const h = await mkdtemp(path.join(tmpdir(), 'lastmile-lab-var-'))
  homes.push(h)
  return h
}

afterEach(async () => {
  for (const h of homes.splice(0)) {
    await stopLab({ home: h })
    await rm(h, { recursive: true, force: true })
  }
})

async function targetOf(file: string): Promise<LabTarget> {
  return JSON.parse(await readFile(file, 'utf8')) as LabTarget
}

const shells = [
  { name: 'busybox', present: existsSync('/usr/bin/busybox') || existsSync('/bin/busybox'), exe: /busybox$/ },
  { name: 'dash', present: existsSync('/usr/bin/dash') || existsSync('/bin/dash'), exe: /dash$/ },
  { name: 'sh', present: existsSync('/bin/sh'), exe: /./ },
] as const

describe('lab up --shell', () => {
  for (const s of shells) {
    it.skipIf(!s.present)(`runs commands and the agent under ${s.name} (skipped when ${s.name} is not installed)`, async () => {
      const home = await newHome()
      const up = await startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port: 0, stations: 1, shell: s.name, preinstallAgent: true })
      const st = (await targetOf(up.targetFile)).stations[0] as LabStation
      const key = await readFile(up.operatorKey, 'utf8')
      const r = await sshRun(st, key, 'readlink /proc/$$/exe; echo "$LASTMILE_SHELL"')
      expect(r.code).toBe(0)
      expect(r.stdout.split('\n')[0]).toMatch(s.exe)
      expect(json(await sshRun(st, key, 'lastmile-station version'))).toMatchObject({ ok: true, verb: 'version' })
      if (s.name === 'busybox') {
        // OpenWrt's tools, not GNU's: busybox tar and sha256sum are on PATH before the host's.
        expect((await sshRun(st, key, 'readlink "$(command -v tar)"')).stdout.trim()).toMatch(/busybox$/)
      }
    })
  }
})

describe('lab up --stations N', () => {
  it('makes up stations beyond the inventory, with an inventory for them, each a working endpoint', async () => {
    const home = await newHome()
    const up = await startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port: 0, stations: 5, preinstallAgent: true })
    expect(up).toMatchObject({ stations: 5, synthesized: 3 })
    const target = await targetOf(up.targetFile)
    const made = target.stations.filter((s) => s.synthetic)
    expect(made.map((s) => s.id)).toEqual(['441802900001', '441802900002', '441802900003'])
    expect(target.inventory).toBe(path.join(home, 'lab', 'inventory'))
    const inv = (await loadInventoryOrThrow(target.inventory)).inventory
    expect(inv.stations.filter((s) => s.hasStation).map((s) => s.id).sort()).toEqual(target.stations.map((s) => s.id).sort())
    const key = await readFile(up.operatorKey, 'utf8')
    // 441802900002 is a copy of 高基里: same devices on its USB bus.
    const h = json<{ usb: Array<{ vendor: string; product: string }> }>(await sshRun(made[1] as LabStation, key, 'lastmile-station health'))
    expect(h.usb.map((u) => `${u.vendor}:${u.product}`).sort()).toEqual(['0ac8:3610', '0b57:8030', '1b55:4500', '1d6b:0002', '1ea8:fc02'])
  })
})

describe('lab up failures', () => {
  it('names the address in use when a station cannot listen, and leaves nothing running', async () => {
    const home = await newHome()
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen({ host: '127.21.0.1', port: 0 }, r))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const err = await startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port }).then(
        () => undefined,
        (e: Error & { hint?: string }) => e,
      )
      // Not a bug: a usage error (exit 2) naming the address and what to do.
      expect(err).toMatchObject({ exitCode: 2, message: `another lab (or another program) already listens on 127.21.0.1:${port}, so this lab cannot start` })
      expect(err?.hint).toMatch(/`lastmile lab down` in the home it was started from/)
      expect(err?.hint).toContain('`lastmile lab up --port 0`')
      const pid = Number((await readFile(path.join(home, 'lab', 'lab.log'), 'utf8')).match(/lab daemon (\d+)/)?.[1])
      expect(await pidAlive(pid)).toBe(false)
      expect(existsSync(path.join(home, 'lab', 'target.json'))).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('a second lab in another LASTMILE_HOME on the same addresses: names the running lab and its home, and leaves it running', async () => {
    const first = await newHome()
    const second = await newHome()
    // A port free on one of the fixture's station addresses right now (the first lab would say if not on the other).
    const probe = net.createServer()
    await new Promise<void>((r) => probe.listen({ host: '127.21.0.1', port: 0 }, r))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    const up = await startLab({ home: first, inventoryDir: 'tests/fixtures/inventory-mini', port })
    const err = await startLab({ home: second, inventoryDir: 'tests/fixtures/inventory-mini', port }).then(
      () => undefined,
      (e: Error & { hint?: string; exitCode?: number }) => e,
    )
    expect(err?.exitCode).toBe(2)
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const taken = (await targetOf(up.targetFile)).stations.map((s) => esc(`${s.host}:${s.port}`))
    expect(err?.message).toMatch(new RegExp(`^the lab of LASTMILE_HOME=${esc(first)} \\(daemon pid ${up.pid}\\) already listens on (${taken.join('|')})\\b`))
    expect(err?.hint).toMatch(new RegExp(`^Stop that lab with \`LASTMILE_HOME=${esc(first)} lastmile lab down\``))
    expect(existsSync(path.join(second, 'lab', 'target.json'))).toBe(false)
    expect(await pidAlive(up.pid)).toBe(true)
    expect(existsSync(path.join(first, 'lab', 'target.json'))).toBe(true)
  })

  it('refuses a bad faults file with file:line before starting anything', async () => {
    const home = await newHome()
    const file = path.join(home, 'faults.yaml')
    await writeFile(file, "'441802006001':\n  latency: 200\n")
    await expect(startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port: 0, faultsFile: file })).rejects.toMatchObject({
      exitCode: 3,
      problems: [expect.objectContaining({ position: { file, line: 2, col: 3 } })],
    })
    expect(existsSync(path.join(home, 'lab', 'target.json'))).toBe(false)
  })
})
