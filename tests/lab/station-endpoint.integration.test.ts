import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { StationFaults } from '../../src/lab/faults.js'
import { loadOrCreateKey } from '../../src/lab/keys.js'
import { createLabLog } from '../../src/lab/log.js'
import type { LabPlanStation } from '../../src/lab/plan.js'
import { StationEndpoint } from '../../src/lab/station-endpoint.js'
import { endpointPlan, eventually, plannedStation } from './helpers.js'

/*
 * One StationEndpoint in this process, on a loopback address and a free port:
 * what happens to connections that are still in the emulated TCP handshake
 * (latencyMs) when the client or the station goes away.
 */

let dir: string
const endpoints: StationEndpoint[] = []
const station = (): LabPlanStation => plannedStation(dir, '127.22.0.1')

async function start(faults: StationFaults): Promise<{ e: StationEndpoint; port: number }> {
  const e = new StationEndpoint(station(), { plan: endpointPlan, log: createLabLog(() => undefined), faults: () => faults, authorizedKeys: () => [], hostPath: '/usr/bin:/bin' })
  endpoints.push(e)
  const { port } = await e.listen(0)
  return { e, port }
}

/** Connects and sends an SSH ident at once; resolves when the TCP connect is done. */
function client(port: number): Promise<{ socket: net.Socket; closed: Promise<void>; received: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.22.0.1', port })
    let got = ''
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
    socket.on('error', () => undefined)
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.write('SSH-2.0-lastmile_test\r\n')
      resolve({ socket, closed, received: () => got })
    })
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lastmile-endpoint-it-'))
  await mkdir(path.join(dir, 'lab'), { recursive: true })
  await loadOrCreateKey(path.join(dir, 'lab', 'host_ed25519'), 'station-test')
})

afterEach(async () => {
  for (const e of endpoints.splice(0)) await e.close()
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('a connection in the emulated TCP handshake (latencyMs)', () => {
  it('waits 1.5 RTT, then gets the SSH server, which read what the client sent meanwhile', async () => {
    const inject = vi.spyOn(ssh2.Server.prototype, 'injectSocket')
    const { e, port } = await start({ latencyMs: 200 })
    const c = await client(port)
    expect(await eventually(async () => (e.startingConnections === 1 ? true : undefined), 40, 25)).toBe(true)
    expect(inject).not.toHaveBeenCalled()
    // The banner (at 2 RTT), then the KEXINIT ssh2 sends only once it has read the client's ident.
    expect(await eventually(async () => (/^SSH-2\.0-lastmile-lab\r\n[\s\S]{6}/.test(c.received()) ? true : undefined), 100, 50)).toBe(true)
    expect(inject).toHaveBeenCalledTimes(1)
    expect(e.startingConnections).toBe(0)
    c.socket.destroy()
  })

  it('a client that hangs up meanwhile is forgotten: no SSH server is started on it later', async () => {
    const inject = vi.spyOn(ssh2.Server.prototype, 'injectSocket')
    const { e, port } = await start({ latencyMs: 400 })
    const c = await client(port)
    expect(await eventually(async () => (e.startingConnections === 1 ? true : undefined), 40, 25)).toBe(true)
    c.socket.end()
    await c.closed
    expect(await eventually(async () => (e.startingConnections === 0 ? true : undefined), 40, 25)).toBe(true)
    await sleep(700) // past the 600 ms the server would have started at
    expect(inject).not.toHaveBeenCalled()
  })

  it('closing the station ends waiting connections and their timers at once', async () => {
    const inject = vi.spyOn(ssh2.Server.prototype, 'injectSocket')
    const { e, port } = await start({ latencyMs: 400 })
    const c = await client(port)
    expect(await eventually(async () => (e.startingConnections === 1 ? true : undefined), 40, 25)).toBe(true)
    await e.close()
    expect(e.startingConnections).toBe(0)
    await c.closed
    expect(c.received()).toBe('')
    await sleep(700)
    expect(inject).not.toHaveBeenCalled()
  })
})
