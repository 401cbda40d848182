// The station agent's protocol under real dash and busybox sh: probe/apply/confirm/rollback,
// input validation, error codes, JSON output.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type BundleFile, SHELLS, type Shell, Station, buildBundle, field, sha256 } from './helpers.js'

const OLD_NET = "config interface 'lan'\n\toption ipaddr '10.18.2.1'\n"
const NEW_NET = "config interface 'lan'\n\toption ipaddr '10.18.3.1'\n"
const OLD_FW = 'config defaults\n\toption input REJECT\n'
const NEW_WIFI = "config wifi-iface 'default_radio0'\n\toption ssid 'QC-qinglong'\n\toption key 'secret-key'\n"

const net = (content = NEW_NET, extra: Partial<BundleFile> = {}): BundleFile => ({
  path: '/etc/config/network',
  content,
  reload: 'network',
  ...extra,
})
const wifi = (content = NEW_WIFI, extra: Partial<BundleFile> = {}): BundleFile => ({
  path: '/etc/config/wireless',
  content,
  mode: '0600',
  reload: 'wireless',
  ...extra,
})
const fw = (content = OLD_FW, extra: Partial<BundleFile> = {}): BundleFile => ({
  path: '/etc/config/firewall',
  content,
  reload: 'firewall',
  ship: false,
  ...extra,
})

describe.each(SHELLS)('lastmile-station under $name', (shell: Shell) => {
  let stations: Station[] = []
  const station = async (files: Record<string, string> = { '/etc/config/network': OLD_NET, '/etc/config/firewall': OLD_FW }) => {
    const s = await Station.create(shell, files)
    stations.push(s)
    return s
  }
  afterEach(async () => {
    await Promise.all(stations.map((s) => s.cleanup()))
    stations = []
  })

  /** Station files unchanged and no apply in progress. */
  const expectUntouched = async (s: Station) => {
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    expect(await s.read('/etc/config/firewall')).toBe(OLD_FW)
    expect(await s.exists('/etc/config/wireless')).toBe(false)
    const entries = await s.stateEntries()
    expect(entries.filter((e) => /^(pending|lock|staging\.|backup\.)/.test(e))).toEqual([])
  }

  it('version prints the agent and protocol version', async () => {
    const s = await station()
    const r = await s.run('version')
    expect(r.code).toBe(0)
    expect(r.json).toEqual({ ok: true, verb: 'version', agent: '1.1.0', protocol: 1 })
  })

  it('probe → apply → confirm → probe → apply again is a no-op', async () => {
    const s = await station()
    const p0 = await s.run('probe', ['/etc/config/network', '/etc/config/wireless'])
    expect(p0.code).toBe(0)
    expect(p0.json).toEqual({
      ok: true,
      verb: 'probe',
      agent: '1.1.0',
      protocol: 1,
      appliedId: null,
      pending: null,
      files: { '/etc/config/network': sha256(OLD_NET), '/etc/config/wireless': null },
      lastRollback: null,
    })

    const files = [net(), wifi(), fw()]
    const before = Math.floor(Date.now() / 1000)
    const a = await s.run('apply', ['cfg-1', '--confirm-within', '60'], { input: await buildBundle(files) })
    expect(a.code).toBe(0)
    expect(a.json).toMatchObject({
      ok: true,
      verb: 'apply',
      id: 'cfg-1',
      noop: false,
      changed: ['/etc/config/network', '/etc/config/wireless'],
      unchanged: ['/etc/config/firewall'],
      reloaded: ['network', 'wireless'],
      pending: { id: 'cfg-1' },
    })
    const after = Math.ceil(Date.now() / 1000)
    const deadline = field<{ deadline: number }>(a.json, 'pending').deadline
    expect(deadline).toBeGreaterThanOrEqual(before + 60)
    expect(deadline).toBeLessThanOrEqual(after + 60)
    expect(a.json?.steps?.map((x) => x.step)).toEqual(['lock', 'space', 'stage', 'backup', 'pending', 'watchdog', 'swap', 'reload'])
    expect(a.json?.steps?.every((x) => x.ok)).toBe(true)
    expect(await s.read('/etc/config/network')).toBe(NEW_NET)
    expect(await s.read('/etc/config/wireless')).toBe(NEW_WIFI)
    expect(await s.mode('/etc/config/network')).toBe(0o644)
    expect(await s.mode('/etc/config/wireless')).toBe(0o600)
    expect(await s.commands()).toEqual(['network reload', 'wifi reload'])

    const pp = await s.run('probe')
    expect(pp.json).toMatchObject({ appliedId: null, pending: { id: 'cfg-1', deadline } })

    const c = await s.run('confirm', ['cfg-1'])
    expect(c.code).toBe(0)
    expect(c.json).toEqual({ ok: true, verb: 'confirm', id: 'cfg-1', appliedId: 'cfg-1', already: false })
    const c2 = await s.run('confirm', ['cfg-1'])
    expect(c2.json).toMatchObject({ ok: true, already: true })

    const p1 = await s.run('probe')
    expect(p1.json).toMatchObject({
      appliedId: 'cfg-1',
      pending: null,
      files: {
        '/etc/config/network': sha256(NEW_NET),
        '/etc/config/wireless': sha256(NEW_WIFI),
        '/etc/config/firewall': sha256(OLD_FW),
      },
    })
    // applied + manifest, plus the last reload output and watchdog log for diagnosis
    expect(await s.stateEntries()).toEqual(['applied', 'manifest', 'reload.out', 'watchdog.log'])

    // The same bundle again (even with the files shipped): nothing to do, nothing reloaded.
    const again = await s.run('apply', ['cfg-1', '--confirm-within', '60'], { input: await buildBundle(files) })
    expect(again.code).toBe(0)
    expect(again.json).toMatchObject({ ok: true, noop: true, changed: [], pending: null, recorded: false })
    const shipNothing = await s.run('apply', ['cfg-1', '--confirm-within', '60'], {
      input: await buildBundle(files.map((f) => ({ ...f, ship: false }))),
    })
    expect(shipNothing.json).toMatchObject({ ok: true, noop: true })
    expect(await s.commands()).toEqual(['network reload', 'wifi reload'])
    expect((await s.run('probe')).json).toMatchObject({ appliedId: 'cfg-1', pending: null })
  })

  it('a no-op apply on a station that already has the files records the applied id', async () => {
    const s = await station()
    const r = await s.run('apply', ['cfg-0', '--confirm-within', '30'], {
      input: await buildBundle([net(OLD_NET, { ship: false }), fw()]),
    })
    expect(r.json).toMatchObject({ ok: true, noop: true, recorded: true, unchanged: ['/etc/config/network', '/etc/config/firewall'] })
    expect((await s.run('probe')).json).toMatchObject({ appliedId: 'cfg-0', pending: null })
    expect(await s.commands()).toEqual([])
  })

  it('accepts a gzip-compressed bundle', async () => {
    const s = await station()
    const r = await s.run('apply', ['gz', '--confirm-within', '30'], { input: await buildBundle([net(), fw()], { gzip: true }) })
    expect(r.json).toMatchObject({ ok: true, changed: ['/etc/config/network'] })
    expect(await s.read('/etc/config/network')).toBe(NEW_NET)
  })

  it('only shipped files change; an unchanged file edited on the station → drift, nothing applied', async () => {
    const s = await station()
    await s.write('/etc/config/firewall', OLD_FW + '# edited by hand\n')
    const r = await s.run('apply', ['cfg-2', '--confirm-within', '30'], { input: await buildBundle([net(), fw()]) })
    expect(r.code).toBe(1)
    expect(r.json?.error?.code).toBe('drift')
    expect(r.json?.error?.message).toContain('/etc/config/firewall')
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    expect(await s.read('/etc/config/firewall')).toBe(OLD_FW + '# edited by hand\n')
    expect(await s.commands()).toEqual([])
    expect((await s.run('probe')).json).toMatchObject({ pending: null })
  })

  it('an unchanged file that is missing on the station is drift too', async () => {
    const s = await station()
    const r = await s.run('apply', ['cfg-2', '--confirm-within', '30'], {
      input: await buildBundle([net(), fw(), { path: '/etc/config/dhcp', content: 'x\n', ship: false }]),
    })
    expect(r.json?.error?.code).toBe('drift')
    await expectUntouched(s)
  })

  it('checksum mismatch → checksum, old files intact', async () => {
    const s = await station()
    const r = await s.run('apply', ['cfg-3', '--confirm-within', '30'], {
      input: await buildBundle([net(NEW_NET, { sha: sha256('something else') }), wifi()]),
    })
    expect(r.code).toBe(1)
    expect(r.json).toMatchObject({ ok: false, verb: 'apply', error: { code: 'checksum' } })
    expect(r.json?.error?.message).toContain('/etc/config/network')
    await expectUntouched(s)
  })

  describe('bad input is refused before anything changes', () => {
    const cases: Array<[string, () => Promise<Buffer | string>]> = [
      ['a MANIFEST path outside /etc', () => buildBundle([{ path: '/root/x', content: 'x' }, net()])],
      ['a MANIFEST path with ..', () => buildBundle([net(), { path: '/etc/../root/x', content: 'x', ship: false }])],
      [
        'a ../ member',
        () =>
          buildBundle([net()], {
            prepare: (d) => writeFile(join(d, 'evil'), 'x'),
            extraMembers: ['evil'],
            tarOptions: ['-P', '--transform', 's,^evil$,files/../../evil,'],
          }),
      ],
      [
        'an absolute member',
        () =>
          buildBundle([net()], {
            prepare: (d) => writeFile(join(d, 'evil'), 'x'),
            extraMembers: ['evil'],
            tarOptions: ['-P', '--transform', 's,^evil$,/etc/evil,'],
          }),
      ],
      [
        'a symlink member',
        () =>
          buildBundle([net(), { path: '/etc/config/evil', content: 'x', ship: false }], {
            prepare: async (d) => {
              await mkdir(join(d, 'files/etc/config'), { recursive: true })
              await symlink('/etc/passwd', join(d, 'files/etc/config/evil'))
            },
          }),
      ],
      [
        'a member other than MANIFEST and files/',
        () => buildBundle([net()], { prepare: (d) => writeFile(join(d, 'README'), 'x'), extraMembers: ['README'] }),
      ],
      [
        'a shipped file missing from MANIFEST',
        () =>
          buildBundle([net()], {
            prepare: async (d) => {
              await mkdir(join(d, 'files/etc/config'), { recursive: true })
              await writeFile(join(d, 'files/etc/config/dhcp'), 'x')
            },
          }),
      ],
      ['a bad mode', () => buildBundle([net(NEW_NET, { mode: '0689' })])],
      ['a bad reload', () => buildBundle([net(NEW_NET, { reload: 'reboot' as never })])],
      ['a bad hash', () => buildBundle([net()], { manifest: `XYZ 0644 network /etc/config/network\n` })],
      ['a MANIFEST line with spaces in the path', () => buildBundle([net()], { manifest: `${sha256(NEW_NET)} 0644 network /etc/config/net work\n` })],
      ['a path listed twice', () => buildBundle([net(), net(NEW_NET, { ship: false })])],
      ['no MANIFEST', () => buildBundle([net()], { omitManifest: true })],
      ['an empty stdin', async () => ''],
      ['not a tar', async () => 'this is not a tar archive, just text\n'.repeat(40)],
    ]
    // one station for all cases: each must leave it untouched for the next
    let shared: Station | undefined
    afterAll(async () => {
      await shared?.cleanup()
    })
    it.each(cases)('%s → bad-input', async (_label, make) => {
      shared ??= await Station.create(shell, { '/etc/config/network': OLD_NET, '/etc/config/firewall': OLD_FW })
      const s = shared
      const r = await s.run('apply', ['cfg-bad', '--confirm-within', '30'], { input: await make() })
      expect(r.code).toBe(1)
      expect(r.json?.error?.code, r.stdout).toBe('bad-input')
      expect(r.json?.error?.message.length).toBeGreaterThan(10)
      await expectUntouched(s)
      expect(await s.commands()).toEqual([])
    })
  })

  it('second apply while one is pending → pending; confirm with a wrong id → id-mismatch', async () => {
    const s = await station()
    expect((await s.run('apply', ['one', '--confirm-within', '60'], { input: await buildBundle([net(), fw()]) })).code).toBe(0)
    const second = await s.run('apply', ['two', '--confirm-within', '60'], { input: await buildBundle([net(OLD_NET), fw()]) })
    expect(second.code).toBe(1)
    expect(second.json?.error?.code).toBe('pending')
    expect(second.json?.error?.message).toContain('one')
    const wrong = await s.run('confirm', ['two'])
    expect(wrong.code).toBe(1)
    expect(wrong.json?.error?.code).toBe('id-mismatch')
    const wrongRb = await s.run('rollback', ['two'])
    expect(wrongRb.json?.error?.code).toBe('id-mismatch')
    expect(await s.read('/etc/config/network')).toBe(NEW_NET)
    expect((await s.run('confirm', ['one'])).json).toMatchObject({ ok: true, appliedId: 'one' })
    // nothing pending: another id is not-pending, the applied one is idempotent
    expect((await s.run('confirm', ['two'])).json?.error?.code).toBe('not-pending')
    expect((await s.run('confirm', ['one'])).json).toMatchObject({ ok: true, already: true })
  })

  it('rollback restores the old files, removes new ones and reloads', async () => {
    const s = await station()
    await s.run('apply', ['r1', '--confirm-within', '60'], { input: await buildBundle([net(), wifi(), fw()]) })
    const r = await s.run('rollback', ['r1', '--reason', 'operator said so'])
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({
      ok: true,
      verb: 'rollback',
      rolledBack: true,
      id: 'r1',
      restored: ['/etc/config/network'],
      removed: ['/etc/config/wireless'],
    })
    await expectUntouched(s)
    expect(await s.commands()).toEqual(['network reload', 'wifi reload', 'network reload', 'wifi reload'])
    const p = await s.run('probe')
    expect(p.json).toMatchObject({ appliedId: null, pending: null, lastRollback: { id: 'r1', reason: 'operator said so' } })
    expect((await s.run('rollback')).json?.error?.code).toBe('not-pending')
    const quiet = await s.run('rollback', ['--if-pending'])
    expect(quiet.code).toBe(0)
    expect(quiet.json).toMatchObject({ ok: true, rolledBack: false })
  })

  it('a MANIFEST removal line removes a managed file: backed up, reloaded, restored by rollback, unmanaged after confirm', async () => {
    const s = await station()
    expect((await s.run('apply', ['with-wifi', '--confirm-within', '60'], { input: await buildBundle([net(), wifi(), fw()]) })).code).toBe(0)
    expect((await s.run('confirm', ['with-wifi'])).json).toMatchObject({ ok: true })
    const gone = { path: '/etc/config/wireless', content: '', reload: 'wireless' as const, remove: true }
    const desired = [net(NEW_NET, { ship: false }), fw(), gone]

    const a = await s.run('apply', ['no-wifi', '--confirm-within', '60'], { input: await buildBundle(desired) })
    expect(a.code).toBe(0)
    expect(a.json).toMatchObject({ ok: true, noop: false, changed: [], removed: ['/etc/config/wireless'], reloaded: ['wireless'], pending: { id: 'no-wifi' } })
    expect(await s.exists('/etc/config/wireless')).toBe(false)
    expect((await s.run('probe')).json).toMatchObject({ pending: { id: 'no-wifi' }, files: { '/etc/config/wireless': null } })

    // Rolled back: the file is back, byte for byte and with its mode, and reloaded.
    const rb = await s.run('rollback', ['no-wifi'])
    expect(rb.json).toMatchObject({ ok: true, rolledBack: true, restored: ['/etc/config/wireless'], removed: [] })
    expect(await s.read('/etc/config/wireless')).toBe(NEW_WIFI)
    expect(await s.mode('/etc/config/wireless')).toBe(0o600)
    expect((await s.run('probe')).json).toMatchObject({ appliedId: 'with-wifi', files: { '/etc/config/wireless': sha256(NEW_WIFI) } })

    // Confirmed: gone, and no longer managed (not probed, no drift).
    expect((await s.run('apply', ['no-wifi-2', '--confirm-within', '60'], { input: await buildBundle(desired) })).json).toMatchObject({ ok: true, removed: ['/etc/config/wireless'] })
    expect((await s.run('confirm', ['no-wifi-2'])).json).toMatchObject({ ok: true, appliedId: 'no-wifi-2' })
    expect(await s.exists('/etc/config/wireless')).toBe(false)
    const p = await s.run('probe')
    expect(Object.keys(field<Record<string, string>>(p.json, 'files')).sort()).toEqual(['/etc/config/firewall', '/etc/config/network'])
    expect((await s.run('health')).json).toMatchObject({ ok: true, drift: [] })
    expect(await s.commands()).toEqual(['network reload', 'wifi reload', 'wifi reload', 'wifi reload', 'wifi reload'])

    // The same bundle again: the file is already gone, nothing to do.
    expect((await s.run('apply', ['no-wifi-2', '--confirm-within', '60'], { input: await buildBundle(desired) })).json).toMatchObject({ ok: true, noop: true, removed: [] })
  })

  it('a removal is refused for a file the station does not manage, a shipped file, or a mode; an absent file is fine', async () => {
    const s = await station({ '/etc/config/network': OLD_NET, '/etc/config/firewall': OLD_FW, '/etc/config/dhcp': 'mine\n' })
    const unmanaged = await s.run('apply', ['x', '--confirm-within', '60'], { input: await buildBundle([net(), fw(), { path: '/etc/config/dhcp', content: '', remove: true }]) })
    expect(unmanaged.json?.error?.code).toBe('bad-input')
    expect(unmanaged.json?.error?.message).toMatch(/\/etc\/config\/dhcp.*not in the station's confirmed manifest/)
    expect(await s.read('/etc/config/dhcp')).toBe('mine\n')
    const shipped = await s.run('apply', ['x', '--confirm-within', '60'], { input: await buildBundle([net(), fw(), { path: '/etc/config/dhcp', content: 'x', remove: true, ship: true }]) })
    expect(shipped.json?.error?.code).toBe('bad-input')
    const moded = await s.run('apply', ['x', '--confirm-within', '60'], { input: await buildBundle([net(), fw(), { path: '/etc/config/dhcp', content: '', mode: '0644', remove: true }]) })
    expect(moded.json?.error?.code).toBe('bad-input')
    await expectUntouched(s)
    expect(await s.read('/etc/config/dhcp')).toBe('mine\n')
    const absent = await s.run('apply', ['y', '--confirm-within', '60'], { input: await buildBundle([net(), fw(), { path: '/etc/config/wireless', content: '', remove: true, reload: 'wireless' }]) })
    expect(absent.json).toMatchObject({ ok: true, changed: ['/etc/config/network'], removed: [], reloaded: ['network'] })
  })

  it('a failing reload → reload-failed, the old config is back and reloaded, nothing pending', async () => {
    const s = await station()
    await s.failCommand('wifi', 3)
    const r = await s.run('apply', ['bad-wifi', '--confirm-within', '60'], { input: await buildBundle([net(), wifi(), fw()]) })
    expect(r.code).toBe(1)
    expect(r.json).toMatchObject({ ok: false, verb: 'apply', error: { code: 'reload-failed' }, rolledBack: true })
    expect(r.json?.error?.message).toMatch(/wifi reload.*status 3/)
    expect(r.json?.error?.message).toMatch(/rolled back/)
    expect(r.json?.steps?.map((x) => `${x.step}:${x.ok}`)).toEqual([
      'lock:true', 'space:true', 'stage:true', 'backup:true', 'pending:true', 'watchdog:true', 'swap:true',
      'reload:false', 'rollback-restore:true', 'rollback-reload:false',
    ])
    // the stub keeps failing, so reloading the old files fails too: the message says so
    expect(r.json?.error?.message).toMatch(/restored, but reloading them also failed/)
    await expectUntouched(s)
    // network+wifi (wifi fails), then the rollback reloads both again
    expect(await s.commands()).toEqual(['network reload', 'wifi reload', 'network reload', 'wifi reload'])
    const p = await s.run('probe')
    expect(p.json).toMatchObject({ pending: null, lastRollback: { id: 'bad-wifi' } })
    expect(await s.watchdogPid()).toBeNull()
  })

  it('a missing reload command → missing-command before anything changes', async () => {
    const s = await station()
    await rm(s.path('/sbin/wifi'))
    const r = await s.run('apply', ['no-wifi', '--confirm-within', '60'], { input: await buildBundle([net(), wifi(), fw()]) })
    expect(r.json?.error?.code).toBe('missing-command')
    expect(r.json?.error?.message).toContain('/sbin/wifi')
    await expectUntouched(s)
  })

  it('disk full (df reports 0 available) → disk-full, nothing changed', async () => {
    const s = await station()
    await s.addPathStub(
      'df',
      '#!/bin/sh\nprintf "Filesystem     1K-blocks    Used Available Use%% Mounted on\\n/dev/ubi0_1        4096    4096         0 100%% /overlay\\n"\n',
    )
    const r = await s.run('apply', ['full', '--confirm-within', '60'], { input: await buildBundle([net(), wifi(), fw()]) })
    expect(r.code).toBe(1)
    expect(r.json?.error?.code).toBe('disk-full')
    expect(r.json?.error?.message).toContain('0 KB free')
    await expectUntouched(s)
  })

  it('a live lock → locked; a stale lock (dead pid) is taken over', async () => {
    const s = await station()
    await s.write('/etc/lastmile/state/lock/pid', `${process.pid}\n`)
    const r = await s.run('apply', ['l', '--confirm-within', '60'], { input: await buildBundle([net(), fw()]) })
    expect(r.json?.error?.code).toBe('locked')
    expect(await s.read('/etc/config/network')).toBe(OLD_NET)
    await s.write('/etc/lastmile/state/lock/pid', '2147483646\n')
    const ok = await s.run('apply', ['l', '--confirm-within', '60'], { input: await buildBundle([net(), fw()]) })
    expect(ok.json).toMatchObject({ ok: true })
    expect(await s.exists('/etc/lastmile/state/lock')).toBe(false)
  })

  it('usage errors exit 2 with a usage object', async () => {
    const s = await station()
    for (const args of [['frobnicate'], ['apply'], ['apply', 'x'], ['apply', 'x', '--confirm-within', '0'], ['apply', 'a/b', '--confirm-within', '5'], ['confirm'], ['probe', '/etc/../x']]) {
      const [verb, ...rest] = args as [string, ...string[]]
      const r = await s.run(verb, rest)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.json?.error?.code).toBe('usage')
    }
    const none = await s.run('')
    expect(none.json?.error?.code).toBe('usage')
  })

  it('every output is valid JSON, even with quotes, backslashes, control characters and Chinese text', async () => {
    const s = await station()
    const weird = 'bad"id\\with\ttab'
    const r = await s.run('apply', [weird, '--confirm-within', '5'])
    expect(r.json?.error?.code).toBe('usage')
    expect(r.json?.error?.message).toContain(weird)

    await s.run('apply', ['j', '--confirm-within', '60'], { input: await buildBundle([net(), fw()]) })
    const reason = 'he said "stop" \\ at 清城区源潭镇青龙村\nsecond line\u0001\u001f end'
    const rb = await s.run('rollback', ['--reason', reason])
    expect(rb.json).toMatchObject({ ok: true, reason })
    const p = await s.run('probe')
    expect(field<{ reason: string }>(p.json, 'lastRollback').reason).toBe(reason)
  })
})
