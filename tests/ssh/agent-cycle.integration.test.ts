import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, withSession, type ConnectOptions, type SshSession, type SshTarget } from '../../src/ssh/session.js'
import { loadAgentBundle, packagedStationDir, type AgentBundle } from '../../src/station/agent-bundle.js'
import { manifestLine, removalLine, type ManifestEntry } from '../../src/station/bundle.js'
import { StationClient } from '../../src/station/client.js'
import { decideChanges, isUpToDate } from '../../src/station/diff.js'
import { AgentError } from '../../src/station/errors.js'
import { startSshd, sshdUnavailable, type Sshd } from '../support/sshd.js'
import { generateKey } from '../support/ssh-server.js'

const stationDir = packagedStationDir()
const unavailable = sshdUnavailable() ?? (existsSync(path.join(stationDir, 'lastmile-station')) ? undefined : 'station/lastmile-station does not exist yet')
const operator = generateKey('ed25519', 'operator')

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** Two rendered files, as the renderer would hand them to the rollout. */
function desired(version: string): Array<ManifestEntry & { content: Buffer }> {
  const network = Buffer.from(`config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '10.22.1.1'\n# ${version}\n`)
  const wireless = Buffer.from(`config wifi-iface 'staff'\n\toption ssid 'QC-jiangkou-staff'\n\toption key 'secret-${version}'\n`)
  return [
    { path: '/etc/config/network', sha256: sha(network), mode: '0644', reload: 'network', content: network },
    { path: '/etc/config/wireless', sha256: sha(wireless), mode: '0600', reload: 'wireless', content: wireless },
  ]
}

describe.skipIf(unavailable !== undefined)(`agent cycle over real sshd: install, probe, apply, confirm${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let sshd: Sshd
  let root: string
  let bundle: AgentBundle
  let target: SshTarget
  const opts: ConnectOptions = { identity: { privateKey: operator.private }, connectTimeoutMs: 10_000, retry: { attempts: 1, baseMs: 1, maxMs: 1 } }
  const files = desired('v1')
  const paths = files.map((f) => f.path)
  const manifest = files.map(manifestLine)

  beforeAll(async () => {
    sshd = await startSshd({ authorizedKeys: [operator.public] })
    // A station root owned by the login user, with the lab's stub platform commands.
    root = sshd.userDir("station root 'qingcheng'")
    cpSync(path.join(stationDir, 'lab-stubs'), root, { recursive: true })
    execFileSync('chown', ['-R', `${sshd.user.uid}:${sshd.user.gid}`, root])
    bundle = await loadAgentBundle()
    target = {
      stationId: '441802104201',
      host: sshd.host,
      port: sshd.port,
      user: sshd.user.name,
      expectedHostKey: sshd.hostKeyFingerprint,
      // What the lab does for its stations: the agent finds its root and is first on PATH.
      agentEnv: { LASTMILE_ROOT: root },
      agentPath: [path.join(root, 'usr/sbin')],
    }
  })
  afterAll(async () => {
    // A failed run may leave an armed watchdog: roll back so it exits, then stop sshd.
    if (sshd && target) {
      await withSession(target, opts, (s) => new StationClient(s).rollback(undefined, 'test cleanup', { ifPending: true })).catch(() => undefined)
    }
    await sshd?.stop()
  })

  it('installs the agent where PATH finds it, with its boot hook', async () => {
    await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      const { probe, agent } = await c.probeEnsuringAgent(paths, bundle)
      expect(agent).toEqual({ action: 'installed', version: bundle.version })
      expect(probe).toMatchObject({ appliedId: null, pending: null, files: { '/etc/config/network': null, '/etc/config/wireless': null } })
      expect(existsSync(path.join(root, 'usr/sbin/lastmile-station'))).toBe(true)
      expect(readFileSync(path.join(root, 'etc/init.d/lastmile'), 'utf8')).toContain('START=11')
    })
  })

  it('apply ships the changed files; confirm on a NEW connection; probe then shows the hashes', async () => {
    const probe = await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      const p = await c.probe(paths)
      const { changed } = decideChanges(files, p.files)
      expect(changed).toEqual(paths)
      const reply = await c.apply('v1', 300, manifest, files.filter((f) => changed.includes(f.path)))
      expect(reply).toMatchObject({ id: 'v1', noop: false, changed: paths, pending: { id: 'v1' } })
      expect(reply.reloaded).toEqual(['network', 'wireless'])
      return p
    })
    expect(probe.appliedId).toBeNull()

    await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      expect(await c.confirm('v1')).toMatchObject({ id: 'v1', already: false })
      const after = await c.probe(paths)
      expect(after).toMatchObject({ appliedId: 'v1', pending: null })
      expect(after.files).toEqual(Object.fromEntries(files.map((f) => [f.path, f.sha256])))
      expect(readFileSync(path.join(root, 'etc/config/wireless'), 'utf8')).toContain('secret-v1')
      // confirm is idempotent
      expect(await c.confirm('v1')).toMatchObject({ already: true })
    })
  })

  it('an up-to-date station costs one exec after the handshake', async () => {
    await withSession(target, opts, async (s: SshSession) => {
      const c = new StationClient(s)
      const { probe, agent } = await c.probeEnsuringAgent(paths, bundle)
      expect(agent.action).toBe('current')
      expect(isUpToDate('v1', files, probe)).toBe(true)
      expect(s.execCount).toBe(1)
    })
  })

  it('apply with an unchanged manifest is a noop and costs one exec', async () => {
    await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      const reply = await c.apply('v1', 300, manifest, [])
      expect(reply).toMatchObject({ noop: true, changed: [], pending: null })
      expect(s.execCount).toBe(1)
    })
  })

  it('a file edited on the station is drift: the agent refuses an apply that thinks it unchanged', async () => {
    writeFileSync(path.join(root, 'etc/config/network'), 'edited by hand\n')
    await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      const err = await c.apply('v1b', 300, manifest, []).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AgentError)
      expect((err as AgentError).agentCode).toBe('drift')
      const health = await c.health()
      expect(health.drift.map((d) => d.path)).toEqual(['/etc/config/network'])
      // the fix: probe, ship what differs
      const p = await c.probe(paths)
      const { changed } = decideChanges(files, p.files)
      expect(changed).toEqual(['/etc/config/network'])
      const r = await c.apply('v1b', 300, manifest, files.filter((f) => changed.includes(f.path)))
      expect(r.changed).toEqual(['/etc/config/network'])
    })
    // confirm over a new connection again
    const s2 = await connect(target, opts)
    try {
      expect(await new StationClient(s2).confirm('v1b')).toMatchObject({ already: false })
    } finally {
      await s2.close()
    }
  })

  it('a file the desired config no longer has is removed with a removal line, and stays removed after confirm', async () => {
    const networkOnly = desired('v2').filter((f) => f.path === '/etc/config/network')
    await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      const p = await c.probe(networkOnly.map((f) => f.path))
      const { changed, removed } = decideChanges(networkOnly, p.files)
      expect(removed).toEqual(['/etc/config/wireless'])
      const lines = [...networkOnly.map(manifestLine), ...removed.map((path) => removalLine({ path, reload: 'wireless' }))]
      const r = await c.apply('v2', 300, lines, networkOnly.filter((f) => changed.includes(f.path)))
      expect(r).toMatchObject({ changed: ['/etc/config/network'], removed: ['/etc/config/wireless'], reloaded: ['network', 'wireless'] })
    })
    expect(existsSync(path.join(root, 'etc/config/wireless'))).toBe(false)
    await withSession(target, opts, async (s) => {
      const c = new StationClient(s)
      expect(await c.confirm('v2')).toMatchObject({ already: false })
      const after = await c.probe(networkOnly.map((f) => f.path))
      expect(Object.keys(after.files)).toEqual(['/etc/config/network'])
      expect(isUpToDate('v2', networkOnly, after)).toBe(true)
    })
  })
})
