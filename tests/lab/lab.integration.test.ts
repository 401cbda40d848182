import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateEd25519 } from '../../src/lab/keys.js'
import { pidAlive } from '../../src/lab/procs.js'
import { clearLabFault, labStatus, setLabFault, startLab, stopLab, type StartLabResult } from '../../src/lab/service.js'
import type { LabStation, LabTarget } from '../../src/lab/target.js'
import { bundle, connect, eventually, exec, installAgent, json, networkConfig, reachable, sshRun } from './helpers.js'

/*
 * The lab as its users meet it: a real daemon on tests/fixtures/inventory-mini,
 * real SSH (ssh2's client, pinned host keys), the real agent and stubs under
 * busybox sh. Timing assertions are loose lower bounds only.
 */

const agentPresent = existsSync(path.resolve('station/lastmile-station'))
let home: string
let up: StartLabResult
let target: LabTarget
let key: string
let gaojili: LabStation // 高基里, fengcheng: fibre, no 4G backup, 4 USB devices
let jiangkou: LabStation // 江口, feilaixia: 4G, WiFi

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-lab-it-'))
  up = await startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port: 0 })
  target = JSON.parse(await readFile(up.targetFile, 'utf8')) as LabTarget
  key = await readFile(target.operatorKey, 'utf8')
  gaojili = target.stations.find((s) => s.id === '441802006001') as LabStation
  jiangkou = target.stations.find((s) => s.id === '441802104201') as LabStation
})

afterAll(async () => {
  await stopLab({ home })
  await rm(home, { recursive: true, force: true })
})

describe('lab up', () => {
  it('writes target.json once every active station listens on its own loopback address', async () => {
    expect(target.version).toBe(1)
    expect(target.pid).toBe(up.pid)
    expect(await pidAlive(target.pid)).toBe(true)
    expect(target.stations.map((s) => s.id).sort()).toEqual(['441802006001', '441802104201'])
    for (const s of target.stations) {
      expect(s.host).toMatch(/^127\.\d+\.\d+\.\d+$/)
      expect(s.host).not.toBe('127.0.0.1')
      expect(s.port).toBeGreaterThan(0)
      expect(s.user).toBe('root')
      expect(s.hostKey).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
      expect((await stat(s.root)).isDirectory()).toBe(true)
    }
    expect((await stat(target.operatorKey)).mode & 0o777).toBe(0o600)
    expect(up.rssKb).toBeGreaterThan(0)
  })

  it('a second lab up with the same settings keeps the running lab', async () => {
    const again = await startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port: 0 })
    expect(again.reused).toBe(true)
    expect(again.pid).toBe(up.pid)
  })
})

describe('a lab station over SSH', () => {
  it('accepts the operator key with the pinned host key and runs commands in its root with sh', async () => {
    for (const st of target.stations) {
      const r = await sshRun(st, key, 'echo ok; pwd; echo "$LASTMILE_ROOT"')
      expect(r).toMatchObject({ code: 0, stdout: `ok\n${st.root}\n${st.root}\n` })
    }
  })

  it.skipIf(!agentPresent)('takes the agent on first contact, then answers its verbs (skipped: station/lastmile-station missing)', async () => {
    for (const st of target.stations) {
      expect((await sshRun(st, key, 'command -v lastmile-station || echo none')).stdout).toBe('none\n')
      expect((await installAgent(st, key)).code).toBe(0)
      const v = await sshRun(st, key, 'lastmile-station version')
      expect(v.code).toBe(0)
      expect(json(v)).toMatchObject({ ok: true, verb: 'version', protocol: 1 })
    }
    const h = json<{ usb: Array<{ vendor: string; product: string }>; wan: { link: string } }>(await sshRun(gaojili, key, 'lastmile-station health'))
    expect(h.usb.map((u) => `${u.vendor}:${u.product}`)).toContain('0ac8:3610')
    expect(h.wan.link).toBe('fibre')
  })

  it('passes stdin through and reports exit codes', async () => {
    const c = await connect(gaojili, { key })
    try {
      expect(await exec(c, 'wc -c', 'x'.repeat(100_000))).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\s*100000\n$/) })
      expect(await exec(c, 'echo oops >&2; exit 7')).toMatchObject({ code: 7, stderr: 'oops\n' })
    } finally {
      c.end()
    }
  })

  it('refuses a key it does not know, and users other than root', async () => {
    const stranger = generateEd25519('stranger').privateKey
    await expect(connect(gaojili, { key: stranger })).rejects.toThrow(/authentication methods failed/)
    await expect(connect(gaojili, { key, user: 'admin' })).rejects.toThrow(/authentication methods failed/)
  })

  it('also accepts the keys listed in <home>/lab/authorized_keys (health scoping)', async () => {
    const townAdmin = generateEd25519('town-admin')
    await expect(connect(jiangkou, { key: townAdmin.privateKey })).rejects.toThrow()
    await writeFile(path.join(home, 'lab', 'authorized_keys'), `# town admins\n${townAdmin.publicKey}\n`)
    const c = await connect(jiangkou, { key: townAdmin.privateKey })
    c.end()
    await rm(path.join(home, 'lab', 'authorized_keys'))
    await expect(connect(jiangkou, { key: townAdmin.privateKey })).rejects.toThrow()
  })
})

/** ms from sending a trivial exec on an open connection to its channel closing (a few round trips). */
async function execMs(st: LabStation): Promise<number> {
  const c = await connect(st, { key, readyTimeout: 30_000 })
  try {
    await exec(c, 'true')
    const t0 = performance.now()
    await exec(c, 'true')
    return performance.now() - t0
  } finally {
    c.end()
  }
}

/**
 * A raw TCP client: connects, sends its SSH ident at once (as ssh clients do), and
 * collects what the station sends until its KEXINIT has begun (ssh2 sends that only
 * after reading the client's ident). `ms`: from the TCP connect to the first byte.
 */
async function firstServerBytes(st: LabStation): Promise<{ ms: number; text: string; kexinit: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: st.host, port: st.port })
    let t0 = 0
    let ms = -1
    let got = Buffer.alloc(0)
    const timer = setTimeout(() => done(new Error(`no KEXINIT from ${st.host}:${st.port} within 10 s (got ${JSON.stringify(got.toString('latin1'))})`)), 10_000)
    const done = (err?: Error): void => {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else {
        const eol = got.indexOf('\r\n')
        // After the ident line: uint32 packet length, padding length, then the message number (20 = KEXINIT).
        resolve({ ms, text: got.subarray(0, eol + 2).toString('latin1'), kexinit: got[eol + 2 + 5] === 20 })
      }
    }
    socket.on('connect', () => {
      t0 = performance.now()
      socket.write('SSH-2.0-lastmile_test\r\n')
    })
    socket.on('data', (d: Buffer) => {
      if (ms < 0) ms = performance.now() - t0
      got = Buffer.concat([got, d])
      const eol = got.indexOf('\r\n')
      if (eol >= 0 && got.length >= eol + 2 + 6) done()
    })
    socket.on('error', (err) => done(err))
    socket.on('close', () => done(new Error(`${st.host}:${st.port} closed before its KEXINIT (got ${JSON.stringify(got.toString('latin1'))})`)))
  })
}

describe('faults', () => {
  it('latencyMs includes the TCP handshake: the SSH banner arrives 2 RTT after the connect, not at once', async () => {
    // Unshaped: the banner comes at once (the best of 3 tries, so a busy machine does not fail this).
    const direct = []
    for (let i = 0; i < 3; i++) direct.push(await firstServerBytes(jiangkou))
    expect(direct[0]?.text).toMatch(/^SSH-2\.0-lastmile-lab\r\n$/)
    expect(Math.min(...direct.map((d) => d.ms))).toBeLessThan(350)
    await setLabFault({ home, selector: jiangkou.id, assignments: ['latencyMs=200'] })
    try {
      const shaped = await firstServerBytes(jiangkou)
      // 1.5 RTT until the server's accept (SYN, SYN-ACK, ACK), then 0.5 RTT for the banner: 400 ms.
      expect(shaped.ms).toBeGreaterThanOrEqual(350)
      expect(shaped.text).toBe('SSH-2.0-lastmile-lab\r\n')
      // What the client sent during the handshake was not lost: the server read our ident and answered it.
      expect(shaped.kexinit).toBe(true)
    } finally {
      await clearLabFault({ home, selector: jiangkou.id })
    }
  })

  it('latencyMs adds at least ~that much to an exec on the station', async () => {
    const base = await execMs(jiangkou)
    await setLabFault({ home, selector: '441802104201', assignments: ['latencyMs=300'] })
    try {
      const slow = await execMs(jiangkou)
      // An exec is ≥ 2 round trips (channel open, exec request); assert a loose lower bound of one.
      expect(slow - base).toBeGreaterThanOrEqual(0.8 * 300)
    } finally {
      await clearLabFault({ home, selector: '441802104201' })
    }
  })

  it('unreachable resets the connection (ECONNRESET); clearing it brings the station back', async () => {
    await setLabFault({ home, selector: 'fengcheng', assignments: ['unreachable'] })
    const err = await connect(gaojili, { key }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    )
    expect(err?.code).toBe('ECONNRESET')
    expect(await reachable(jiangkou, key)).toBe(true)
    await clearLabFault({ home, selector: 'fengcheng' })
    expect(await reachable(gaojili, key)).toBe(true)
  })

  it('blackhole accepts and never answers: the client hits its own timeout', async () => {
    await setLabFault({ home, selector: gaojili.id, assignments: ['blackhole'] })
    try {
      await expect(connect(gaojili, { key, readyTimeout: 1500 })).rejects.toThrow(/Timed out while waiting for handshake/)
    } finally {
      await clearLabFault({ home, selector: gaojili.id })
    }
  })

  it('changedHostKey serves another host key, so the pin no longer matches', async () => {
    await setLabFault({ home, selector: gaojili.id, assignments: ['changedHostKey'] })
    try {
      const err = (await connect(gaojili, { key }).then(
        () => undefined,
        (e: Error & { seenHostKey?: string }) => e,
      )) as (Error & { seenHostKey?: string }) | undefined
      expect(err?.message).toMatch(/host key|verification/i)
      expect(err?.seenHostKey).toMatch(/^SHA256:/)
      expect(err?.seenHostKey).not.toBe(gaojili.hostKey)
    } finally {
      await clearLabFault({ home, selector: gaojili.id })
    }
    expect(await reachable(gaojili, key)).toBe(true)
  })

  it('while lab/link-down exists the station refuses connections; removed, it accepts again', async () => {
    const flag = path.join(gaojili.root, 'lab', 'link-down')
    await writeFile(flag, '')
    expect(await reachable(gaojili, key)).toMatch(/ECONNRESET/)
    expect((await labStatus({ home })).linkDown).toBe(1)
    await rm(flag)
    expect(await reachable(gaojili, key)).toBe(true)
  })

  it('wanDown: the WAN is down on the station, and without a 4G backup it is unreachable', async () => {
    // Neither station of the fixture has a 4G backup (江口's WAN is itself 4G); the backup case is a unit test.
    await setLabFault({ home, selector: '*', assignments: ['wanDown'] })
    try {
      expect(await reachable(gaojili, key)).toMatch(/ECONNRESET/)
      expect(await reachable(jiangkou, key)).toMatch(/ECONNRESET/)
      expect(await readFile(path.join(gaojili.root, 'sys/class/net/wan/operstate'), 'utf8')).toBe('down\n')
    } finally {
      await clearLabFault({ home, all: true })
    }
    expect(await reachable(gaojili, key)).toBe(true)
  })

  it('slowHandshakeMs holds the banner back; dropAfterBytes cuts a big transfer', async () => {
    await setLabFault({ home, selector: gaojili.id, assignments: ['slowHandshakeMs=700'] })
    const t0 = performance.now()
    ;(await connect(gaojili, { key })).end()
    expect(performance.now() - t0).toBeGreaterThanOrEqual(0.8 * 700)
    await clearLabFault({ home, selector: gaojili.id })
    await setLabFault({ home, selector: gaojili.id, assignments: ['dropAfterBytes=60000'] })
    try {
      const c = await connect(gaojili, { key })
      const closed = new Promise<void>((r) => c.once('close', () => r()))
      c.on('error', () => undefined)
      const r = await exec(c, 'head -c 200000 /dev/zero').catch((e: Error) => e)
      await closed
      if (!(r instanceof Error)) expect(r.stdout.length).toBeLessThan(200_000)
    } finally {
      await clearLabFault({ home, selector: gaojili.id })
    }
  })
})

describe.skipIf(!agentPresent)('faults the agent meets (skipped: station/lastmile-station missing)', () => {
  it('diskFull, unplug and failReload show up in what the agent reports', async () => {
    await setLabFault({ home, selector: gaojili.id, assignments: ['diskFull', 'unplug=document-camera', 'failReload=network'] })
    try {
      const h = json<{ disk: { availableKb: number }; usb: Array<{ vendor: string }> }>(await sshRun(gaojili, key, 'lastmile-station health'))
      expect(h.disk.availableKb).toBe(0)
      expect(h.usb.map((u) => u.vendor)).not.toContain('0ac8')
      const tar = await bundle({ '/etc/config/firewall': { content: 'config defaults\n', reload: 'firewall' } })
      const full = json<{ ok: boolean; error: { code: string } }>(await sshRun(gaojili, key, 'lastmile-station apply disk-1 --confirm-within 60', tar))
      expect(full).toMatchObject({ ok: false, error: { code: 'disk-full' } })
      await clearLabFault({ home, selector: gaojili.id, keys: ['diskFull'] })
      const net = await bundle({ '/etc/config/network': { content: networkConfig('10.250.1.1', 'reload fails'), reload: 'network' } })
      const failed = json<{ ok: boolean; rolledBack?: boolean }>(await sshRun(gaojili, key, 'lastmile-station apply reload-1 --confirm-within 60', net))
      expect(failed).toMatchObject({ ok: false, rolledBack: true })
    } finally {
      await clearLabFault({ home, selector: gaojili.id })
    }
    const h = json<{ usb: Array<{ vendor: string }> }>(await sshRun(gaojili, key, 'lastmile-station health'))
    expect(h.usb.map((u) => u.vendor)).toContain('0ac8')
  })

  it('a network config without the management address cuts the link until the watchdog rolls it back', async () => {
    const bad = await bundle({ '/etc/config/network': { content: networkConfig('10.9.9.9', 'typo in the address'), reload: 'network' } })
    const r = json<{ ok: boolean; pending: { id: string } }>(await sshRun(gaojili, key, 'lastmile-station apply bad-net-1 --confirm-within 2', bad))
    expect(r).toMatchObject({ ok: true, pending: { id: 'bad-net-1' } })
    // The confirm cannot arrive: new connections are refused…
    expect(await reachable(gaojili, key)).toMatch(/ECONNRESET/)
    // …until the watchdog restores the old config, whose reload brings the link back.
    expect(await eventually(async () => ((await reachable(gaojili, key)) === true ? true : undefined), 40, 500)).toBe(true)
    const p = json<{ pending: unknown; lastRollback: { id: string; reason: string } }>(await sshRun(gaojili, key, 'lastmile-station probe'))
    expect(p.pending).toBeNull()
    expect(p.lastRollback).toMatchObject({ id: 'bad-net-1', reason: 'watchdog' })
  })

  it('rebootDuringApply: the station reboots after the apply; the boot hook rolls the pending apply back', async () => {
    await setLabFault({ home, selector: jiangkou.id, assignments: ['rebootDuringApply', 'rebootDownMs=1500'] })
    try {
      const before = (await sshRun(jiangkou, key, 'cat "$LASTMILE_ROOT/etc/config/network"')).stdout
      const tar = await bundle({ '/etc/config/network': { content: networkConfig('10.250.2.1', 'new, never confirmed'), reload: 'network' } })
      const applied = json<{ ok: boolean; steps: Array<{ step: string; pid?: number }> }>(await sshRun(jiangkou, key, 'lastmile-station apply reboot-1 --confirm-within 600', tar))
      expect(applied.ok).toBe(true)
      const watchdog = applied.steps.find((s) => s.step === 'watchdog')?.pid as number
      expect(watchdog).toBeGreaterThan(1)
      // Down while rebooting: the confirm cannot get through.
      expect(await reachable(jiangkou, key)).toMatch(/ECONNRESET/)
      expect(await eventually(async () => ((await reachable(jiangkou, key)) === true ? true : undefined), 40, 250)).toBe(true)
      const p = json<{ pending: unknown; lastRollback: { id: string; reason: string } }>(await sshRun(jiangkou, key, 'lastmile-station probe'))
      expect(p.pending).toBeNull()
      expect(p.lastRollback).toMatchObject({ id: 'reboot-1', reason: 'reboot' })
      expect((await sshRun(jiangkou, key, 'cat "$LASTMILE_ROOT/etc/config/network"')).stdout).toBe(before)
      expect(await readFile(path.join(jiangkou.root, 'var/log/lab-commands.log'), 'utf8')).toMatch(/^\d+ reboot$/m)
      // The watchdog lived in RAM: the reboot killed it.
      expect(await pidAlive(watchdog)).toBe(false)
      const uptime = Number((await sshRun(jiangkou, key, 'cut -d" " -f1 "$LASTMILE_ROOT/proc/uptime"')).stdout)
      expect(uptime).toBeLessThan(60)
    } finally {
      await clearLabFault({ home, selector: jiangkou.id })
    }
  })

  it('lab status counts pending applies; lab down stops the daemon and the watchdogs it left running', async () => {
    const tar = await bundle({ '/etc/config/system': { content: "config system\n\toption hostname 'pending'\n", reload: '-' } })
    const applied = json<{ ok: boolean; steps: Array<{ step: string; pid?: number }> }>(await sshRun(gaojili, key, 'lastmile-station apply pend-1 --confirm-within 600', tar))
    expect(applied.ok).toBe(true)
    const watchdog = applied.steps.find((s) => s.step === 'watchdog')?.pid as number
    expect(await pidAlive(watchdog)).toBe(true)
    const status = await labStatus({ home })
    expect(status).toMatchObject({ running: true, pendingApplies: 1 })
    expect(status.perStation.find((s) => s.id === gaojili.id)).toMatchObject({ pending: 1, agentInstalled: true })

    const down = await stopLab({ home })
    expect(down).toMatchObject({ stopped: true, pid: up.pid })
    expect(await pidAlive(up.pid)).toBe(false)
    expect(await pidAlive(watchdog)).toBe(false)
    expect(existsSync(path.join(home, 'lab', 'target.json'))).toBe(false)
    expect((await labStatus({ home })).running).toBe(false)

    // Power on again: the station boots with the apply still pending, and its boot hook rolls it back.
    up = await startLab({ home, inventoryDir: 'tests/fixtures/inventory-mini', port: 0 })
    target = JSON.parse(await readFile(up.targetFile, 'utf8')) as LabTarget
    const again = target.stations.find((s) => s.id === gaojili.id) as LabStation
    expect(again.hostKey).toBe(gaojili.hostKey)
    const p = json<{ pending: unknown; lastRollback: { id: string; reason: string } }>(await sshRun(again, key, 'lastmile-station probe'))
    expect(p.pending).toBeNull()
    expect(p.lastRollback).toMatchObject({ id: 'pend-1', reason: 'reboot' })
  })
})
