// The rollback safety net under real dash and busybox sh: the watchdog (detached, survives the
// SSH session), the boot hook, and the lab's "reload that cuts the link" stub.
import { afterEach, describe, expect, it } from 'vitest'
import { type BundleFile, SHELLS, type Shell, Station, buildBundle, isAlive, waitFor } from './helpers.js'

const OLD_NET = "config interface 'mgmt'\n\toption ipaddr '10.18.10.1'\n"
const BAD_NET = "config interface 'mgmt'\n\toption ipaddr '10.99.99.1'\n"
const OLD_FW = 'config defaults\n\toption input REJECT\n'
const NEW_FW = 'config defaults\n\toption input DROP\n'

const files = (net = BAD_NET, fw = NEW_FW): BundleFile[] => [
  { path: '/etc/config/network', content: net, reload: 'network' },
  { path: '/etc/config/firewall', content: fw, reload: 'firewall' },
]

describe.each(SHELLS)('watchdog and boot hook under $name', (shell: Shell) => {
  let stations: Station[] = []
  const station = async () => {
    const s = await Station.create(shell, { '/etc/config/network': OLD_NET, '/etc/config/firewall': OLD_FW })
    stations.push(s)
    return s
  }
  afterEach(async () => {
    await Promise.all(stations.map((s) => s.cleanup()))
    stations = []
  })

  const pendingGone = (s: Station) => async () => (await s.run('probe')).json?.pending === null

  it('rolls back by itself when no confirm comes in time', async () => {
    const s = await station()
    const a = await s.run('apply', ['w1', '--confirm-within', '1'], { input: await buildBundle(files()) })
    expect(a.json).toMatchObject({ ok: true, pending: { id: 'w1' } })
    expect(await s.read('/etc/config/network')).toBe(BAD_NET)
    expect(await waitFor(pendingGone(s), 15_000)).toBe(true)
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    expect(await s.read('/etc/config/firewall')).toBe(OLD_FW)
    const p = await s.run('probe')
    expect(p.json).toMatchObject({ appliedId: null, pending: null, lastRollback: { id: 'w1', reason: 'watchdog' } })
    expect(await s.commands()).toEqual(['network reload', 'firewall reload', 'network reload', 'firewall reload'])
    // a confirm that arrives too late says so
    const late = await s.run('confirm', ['w1'])
    expect(late.json?.error?.code).toBe('not-pending')
    expect(late.json?.error?.message).toContain('watchdog')
    // and the station takes the next apply
    const again = await s.run('apply', ['w2', '--confirm-within', '30'], { input: await buildBundle(files(OLD_NET)) })
    expect(again.json).toMatchObject({ ok: true, changed: ['/etc/config/firewall'] })
    expect((await s.run('confirm', ['w2'])).json).toMatchObject({ ok: true })
  })

  it('does not hold the SSH channel open: apply exits at once while the watchdog waits', async () => {
    const s = await station()
    const a = await s.run('apply', ['d1', '--confirm-within', '30'], { input: await buildBundle(files()) })
    expect(a.code).toBe(0)
    // the exec ended (stdout/stderr closed) while the watchdog still runs: it holds no pipe
    const step = a.json?.steps?.find((x) => x.step === 'watchdog')
    const pid = step?.pid as number
    expect(pid).toBeGreaterThan(1)
    expect(isAlive(pid)).toBe(true)
    expect(a.ms).toBeLessThan(10_000)
    expect(await s.watchdogPid()).toBe(pid)
    // confirm stops it
    expect((await s.run('confirm', ['d1'])).json).toMatchObject({ ok: true, appliedId: 'd1' })
    expect(await waitFor(() => !isAlive(pid), 3000)).toBe(true)
    expect(await s.watchdogPid()).toBeNull()
    expect(await s.read('/etc/config/network')).toBe(BAD_NET)
  })

  it('works without setsid or nohup (plain background process)', async () => {
    const s = await station()
    const path = await s.pathWithoutSetsid()
    const a = await s.run('apply', ['n1', '--confirm-within', '3'], { input: await buildBundle(files()), path })
    expect(a.json).toMatchObject({ ok: true })
    // still detached from the exec's pipes without setsid
    expect(isAlive(a.json?.steps?.find((x) => x.step === 'watchdog')?.pid as number)).toBe(true)
    expect(await waitFor(pendingGone(s), 15_000)).toBe(true)
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    expect((await s.run('probe')).json).toMatchObject({ lastRollback: { id: 'n1', reason: 'watchdog' } })
  })

  it('boot after an unconfirmed apply (watchdog lost with the RAM) restores the old config', async () => {
    const s = await station()
    const a = await s.run('apply', ['b1', '--confirm-within', '60'], { input: await buildBundle(files()) })
    const pid = a.json?.steps?.find((x) => x.step === 'watchdog')?.pid as number
    process.kill(pid, 'SIGKILL')
    expect(await waitFor(() => !isAlive(pid), 2000)).toBe(true)
    // the reboot also leaves a stale lock and staging behind
    await s.write('/etc/lastmile/state/lock/pid', `${pid}\n`)
    await s.write('/etc/lastmile/state/staging.zzz/in.tar', 'junk')
    const commandsBefore = await s.commands()

    const b = await s.run('boot')
    expect(b.code).toBe(0)
    expect(b.json).toMatchObject({ ok: true, verb: 'boot', rolledBack: true, id: 'b1', reason: 'reboot', restored: ['/etc/config/network', '/etc/config/firewall'] })
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    expect(await s.read('/etc/config/firewall')).toBe(OLD_FW)
    expect((await s.run('probe')).json).toMatchObject({ pending: null, lastRollback: { id: 'b1', reason: 'reboot' } })
    // services start after the hook: boot itself reloads nothing
    expect(await s.commands()).toEqual(commandsBefore)
    expect((await s.stateEntries()).filter((e) => /^(lock|staging|backup|pending)/.test(e))).toEqual([])

    const quiet = await s.run('boot')
    expect(quiet.json).toMatchObject({ ok: true, rolledBack: false })
  })

  it('lab: a bad network reload cuts the link, the watchdog brings it back', async () => {
    const s = await station()
    await s.write('/lab/expected-mgmt', '10.18.10.1\n')
    const a = await s.run('apply', ['cut', '--confirm-within', '1'], { input: await buildBundle(files()) })
    expect(a.json).toMatchObject({ ok: true })
    expect(await s.exists('/lab/link-down')).toBe(true)
    expect(await waitFor(pendingGone(s), 15_000)).toBe(true)
    expect(await s.exists('/lab/link-down')).toBe(false)
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    // a good network config keeps the link
    const good = OLD_NET + "\nconfig interface 'lan'\n\toption ipaddr '10.18.2.1'\n"
    const ok = await s.run('apply', ['keep', '--confirm-within', '30'], { input: await buildBundle(files(good, OLD_FW)) })
    expect(ok.json).toMatchObject({ ok: true, changed: ['/etc/config/network'] })
    expect(await s.exists('/lab/link-down')).toBe(false)
    expect((await s.run('confirm', ['keep'])).json).toMatchObject({ ok: true })
  })
})
