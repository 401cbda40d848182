// kill -9 of the agent at every step of apply, under real dash and busybox sh: after what the
// watchdog or the boot hook would run (`rollback --if-pending`), the two changed files are both
// old or both new, never one of each, and the next apply/confirm cycle works.
import { afterEach, describe, expect, it } from 'vitest'
import { type BundleFile, SHELLS, type Shell, Station, buildBundle, isAlive, waitFor } from './helpers.js'

const OLD_NET = "config interface 'lan'\n\toption ipaddr '10.18.2.1'\n"
const NEW_NET = "config interface 'lan'\n\toption ipaddr '10.18.3.1'\n"
const OLD_WIFI = "config wifi-iface 'default_radio0'\n\toption ssid 'old'\n"
const NEW_WIFI = "config wifi-iface 'default_radio0'\n\toption ssid 'new'\n"

const bundleFiles: BundleFile[] = [
  { path: '/etc/config/network', content: NEW_NET, reload: 'network' },
  { path: '/etc/config/wireless', content: NEW_WIFI, mode: '0600', reload: 'wireless' },
]

const STEPS = ['lock', 'space', 'stage', 'backup', 'pending', 'watchdog', 'swap1', 'swap', 'reload'] as const

describe.each(SHELLS)('kill -9 during apply under $name', (shell: Shell) => {
  let stations: Station[] = []
  afterEach(async () => {
    await Promise.all(stations.map((s) => s.cleanup()))
    stations = []
  })

  const state = async (s: Station): Promise<'old' | 'new' | 'mixed'> => {
    const net = await s.read('/etc/config/network')
    const wifi = await s.read('/etc/config/wireless')
    if (net === OLD_NET && wifi === OLD_WIFI) return 'old'
    if (net === NEW_NET && wifi === NEW_WIFI) return 'new'
    return 'mixed'
  }

  it.each(STEPS)('crash right after %s', async (step) => {
    const s = await Station.create(shell, { '/etc/config/network': OLD_NET, '/etc/config/wireless': OLD_WIFI })
    stations.push(s)
    const bundle = await buildBundle(bundleFiles)

    const crashed = await s.run('apply', ['c1', '--confirm-within', '120'], {
      input: bundle,
      env: { LASTMILE_TEST_CRASH_AT: step },
    })
    expect(crashed.signal).toBe('SIGKILL')
    expect(crashed.stdout).toBe('')

    // Right after the crash: either the old config untouched, or a pending marker with a
    // complete backup (so the watchdog/boot can restore the old config fully).
    const entries = await s.stateEntries()
    const now = await state(s)
    if (now !== 'old') {
      expect(entries).toContain('pending')
      expect(await s.exists('/etc/lastmile/state/backup.c1/complete')).toBe(true)
    }
    const watchdog = await s.watchdogPid()

    // What the watchdog or the boot hook would do.
    const rb = await s.run('rollback', ['--if-pending', '--reason', 'crash-test'])
    expect(rb.code).toBe(0)
    expect(rb.json?.ok).toBe(true)
    expect(rb.json?.rolledBack).toBe(entries.includes('pending'))
    expect(await state(s)).toBe('old')
    expect(await s.mode('/etc/config/wireless')).toBe(0o644)
    if (watchdog !== null) expect(await waitFor(() => !isAlive(watchdog), 3000)).toBe(true)
    expect((await s.run('probe')).json).toMatchObject({ pending: null, appliedId: null })

    // No stale lock, staging or backup blocks the next cycle.
    const again = await s.run('apply', ['c2', '--confirm-within', '60'], { input: bundle })
    expect(again.json).toMatchObject({ ok: true, changed: ['/etc/config/network', '/etc/config/wireless'] })
    expect(await state(s)).toBe('new')
    expect((await s.run('confirm', ['c2'])).json).toMatchObject({ ok: true, appliedId: 'c2' })
    expect(await s.mode('/etc/config/wireless')).toBe(0o600)
    expect((await s.stateEntries()).filter((e) => /^(lock|staging|backup|pending)/.test(e))).toEqual([])
  })

  // The same claim when the apply removes a managed file (a station that loses its WiFi): after
  // the crash and the watchdog's rollback the file is back, never network new and wireless gone.
  it.each(STEPS)('crash right after %s while removing a file', async (step) => {
    const s = await Station.create(shell, { '/etc/config/network': OLD_NET, '/etc/config/wireless': OLD_WIFI })
    stations.push(s)
    // Nothing shipped: records both files as the confirmed manifest (the agent manages them now).
    const managed = await s.run('apply', ['c0', '--confirm-within', '60'], { input: await buildBundle(bundleFiles.map((f) => ({ ...f, content: f.path.endsWith('network') ? OLD_NET : OLD_WIFI, ship: false }))) })
    expect(managed.json).toMatchObject({ ok: true, noop: true, recorded: true })
    const bundle = await buildBundle([bundleFiles[0]!, { path: '/etc/config/wireless', content: '', reload: 'wireless', remove: true }])
    const after = async (): Promise<'old' | 'new' | 'mixed'> => {
      const net = await s.read('/etc/config/network')
      const wifi = await s.read('/etc/config/wireless')
      if (net === OLD_NET && wifi === OLD_WIFI) return 'old'
      if (net === NEW_NET && wifi === null) return 'new'
      return 'mixed'
    }

    const crashed = await s.run('apply', ['c1', '--confirm-within', '120'], { input: bundle, env: { LASTMILE_TEST_CRASH_AT: step } })
    expect(crashed.signal).toBe('SIGKILL')
    const entries = await s.stateEntries()
    if ((await after()) !== 'old') {
      expect(entries).toContain('pending')
      expect(await s.exists('/etc/lastmile/state/backup.c1/complete')).toBe(true)
    }
    const watchdog = await s.watchdogPid()

    const rb = await s.run('rollback', ['--if-pending', '--reason', 'crash-test'])
    expect(rb.json?.ok).toBe(true)
    expect(await after()).toBe('old')
    if (watchdog !== null) expect(await waitFor(() => !isAlive(watchdog), 3000)).toBe(true)
    expect((await s.run('probe')).json).toMatchObject({ pending: null, appliedId: 'c0' })

    const again = await s.run('apply', ['c2', '--confirm-within', '60'], { input: bundle })
    expect(again.json).toMatchObject({ ok: true, changed: ['/etc/config/network'], removed: ['/etc/config/wireless'] })
    expect(await after()).toBe('new')
    expect((await s.run('confirm', ['c2'])).json).toMatchObject({ ok: true, appliedId: 'c2' })
    expect((await s.stateEntries()).filter((e) => /^(lock|staging|backup|pending)/.test(e))).toEqual([])
  })

  it('a crashed rollback is finished by the next one', async () => {
    const s = await Station.create(shell, { '/etc/config/network': OLD_NET, '/etc/config/wireless': OLD_WIFI })
    stations.push(s)
    await s.run('apply', ['c1', '--confirm-within', '120'], { input: await buildBundle(bundleFiles) })
    // simulate a rollback killed after restoring only the first file
    await s.write('/etc/config/network', OLD_NET)
    expect(await state(s)).toBe('mixed')
    const rb = await s.run('boot')
    expect(rb.json).toMatchObject({ ok: true, rolledBack: true })
    expect(await state(s)).toBe('old')
  })
})
