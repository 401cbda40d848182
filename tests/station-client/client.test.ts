import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/ssh/errors.js'
import { connect, type SshSession } from '../../src/ssh/session.js'
import { agentMetadata, compareVersions, type AgentBundle } from '../../src/station/agent-bundle.js'
import { StationClient } from '../../src/station/client.js'
import { AgentError, AgentMissingError } from '../../src/station/errors.js'
import { startServer, type TestServer } from '../support/ssh-server.js'

/** A stand-in agent: canned replies, enough to test the client's side of each verb. */
function fakeAgent(version: string, protocol = 1): Buffer {
  return Buffer.from(`#!/bin/sh
AGENT_VERSION=${version}
PROTOCOL=${protocol}
R=\${LASTMILE_ROOT:-}
case $1 in
version) printf '{"ok":true,"verb":"version","agent":"%s","protocol":%s}\\n' "$AGENT_VERSION" "$PROTOCOL" ;;
probe)
  shift; f=
  for p in "$@"; do f="\${f:+$f,}\\"$p\\":null"; done
  printf '{"ok":true,"verb":"probe","agent":"%s","protocol":%s,"appliedId":null,"pending":null,"files":{%s},"lastRollback":null,"future":true}\\n' "$AGENT_VERSION" "$PROTOCOL" "$f" ;;
apply) cat > "$R/received.bin"; printf '{"ok":true,"verb":"apply","id":"%s","noop":false,"changed":["/etc/config/network"],"unchanged":[],"pending":{"id":"%s","deadline":5},"steps":[]}\\n' "$2" "$2" ;;
confirm) printf '{"ok":false,"verb":"confirm","error":{"code":"not-pending","message":"nothing is pending"},"steps":[]}\\n'; exit 1 ;;
rollback) shift; printf '%s\\n' "$@" > "$R/rollback-args"; printf '{"ok":true,"verb":"rollback","rolledBack":false,"pending":null}\\n' ;;
health) echo 'Welcome! this is not json'; exit 0 ;;
esac
`)
}

function bundle(version: string, protocol = 1): AgentBundle {
  const script = fakeAgent(version, protocol)
  return { script, ...agentMetadata(script.toString()), initScript: Buffer.from('#!/bin/sh /etc/rc.common\nSTART=11\n'), initStart: 11 }
}

let server: TestServer
let root: string
const sessions: SshSession[] = []

async function client(): Promise<StationClient> {
  const s = await connect(
    { stationId: '441802104201', host: server.host, port: server.port, user: 'root', expectedHostKey: server.hostKey.fingerprint, agentEnv: { LASTMILE_ROOT: root }, agentPath: [path.join(root, 'usr/sbin')] },
    { identity: { privateKey: server.clientKey.private }, retry: { attempts: 1, baseMs: 1, maxMs: 1 } },
  )
  sessions.push(s)
  return new StationClient(s, { now: () => 1_700_000_000_000 })
}

beforeEach(async () => {
  // A root whose path needs quoting: the client must survive it.
  root = mkdtempSync(path.join(tmpdir(), "lastmile station's root "))
  server = await startServer()
})
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close()
  await server.close()
  rmSync(root, { recursive: true, force: true })
})

describe('StationClient', () => {
  it('a station without the agent answers no-agent in the same exec', async () => {
    const c = await client()
    const err = await c.probe(['/etc/config/network']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AgentMissingError)
    expect((err as AgentMissingError).agentCode).toBe('no-agent')
    expect((err as AgentMissingError).kind).toBe('command-failed')
    expect(server.commands).toHaveLength(1)
  })

  it('installs the agent and its boot hook, then an up-to-date station costs one exec', async () => {
    const c = await client()
    const first = await c.probeEnsuringAgent(['/etc/config/network'], bundle('2.0.0'))
    expect(first.agent).toEqual({ action: 'installed', version: '2.0.0' })
    expect(first.probe.files).toEqual({ '/etc/config/network': null })
    const agent = path.join(root, 'usr/sbin/lastmile-station')
    expect(statSync(agent).mode & 0o777).toBe(0o755)
    expect(readFileSync(agent)).toEqual(fakeAgent('2.0.0'))
    expect(existsSync(path.join(root, 'usr/sbin/.lastmile-station.new'))).toBe(false)
    expect(readFileSync(path.join(root, 'etc/init.d/lastmile'), 'utf8')).toContain('START=11')
    expect(readlinkSync(path.join(root, 'etc/rc.d/S11lastmile'))).toBe('../init.d/lastmile')
    expect(c.calls.map((x) => x.verb)).toEqual(['probe', 'install', 'install-hook', 'probe'])

    const before = server.commands.length
    const c2 = await client()
    const again = await c2.probeEnsuringAgent(['/etc/config/network'], bundle('2.0.0'))
    expect(again.agent).toEqual({ action: 'current', version: '2.0.0' })
    expect(server.commands.length - before).toBe(1)
    expect(c2.session.execCount).toBe(1)
  })

  it('upgrades an older agent, never downgrades a newer one', async () => {
    const c = await client()
    await c.ensureAgent(bundle('1.0.0'))
    expect(await c.ensureAgent(bundle('1.2.0'))).toEqual({ action: 'upgraded', version: '1.2.0', previous: '1.0.0' })
    expect(await c.ensureAgent(bundle('1.1.9'))).toEqual({ action: 'current', version: '1.2.0' })
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1)
  })

  it('apply ships a gzip tar with MANIFEST and the changed files on stdin', async () => {
    const c = await client()
    await c.ensureAgent(bundle('2.0.0'))
    const line = `${'a'.repeat(64)} 0644 network /etc/config/network`
    const reply = await c.apply('20251129-a1b2c3', 120, [line], [{ path: '/etc/config/network', content: Buffer.from('config interface lan\n') }])
    expect(reply).toMatchObject({ id: '20251129-a1b2c3', noop: false, pending: { id: '20251129-a1b2c3' } })
    const received = path.join(root, 'received.bin')
    expect([...readFileSync(received).subarray(0, 2)]).toEqual([0x1f, 0x8b])
    expect(execFileSync('tar', ['-tzf', received]).toString().trim().split('\n')).toEqual(['MANIFEST', 'files/', 'files/etc/', 'files/etc/config/', 'files/etc/config/network'])
    expect(execFileSync('tar', ['-xzOf', received, 'MANIFEST']).toString()).toBe(line + '\n')
    expect(server.commands.at(-1)).toContain('lastmile-station apply 20251129-a1b2c3 --confirm-within 120')
  })

  it('an {"ok":false} reply is an AgentError carrying the agent code', async () => {
    const c = await client()
    await c.ensureAgent(bundle('2.0.0'))
    const err = await c.confirm('x1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AgentError)
    expect(err).toMatchObject({ kind: 'command-failed', agentCode: 'not-pending', verb: 'confirm' })
    expect((err as AgentError).message).toContain('nothing is pending')
  })

  it('non-JSON output is a protocol error quoting what arrived', async () => {
    const c = await client()
    await c.ensureAgent(bundle('2.0.0'))
    const err = await c.health().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProtocolError)
    expect((err as ProtocolError).kind).toBe('protocol')
    expect((err as ProtocolError).message).toContain('Welcome! this is not json')
  })

  it('arguments reach the agent unchanged (reason text with quotes and spaces)', async () => {
    const c = await client()
    await c.ensureAgent(bundle('2.0.0'))
    await c.rollback('v1', "operator's call; $(reboot)", { ifPending: true })
    expect(readFileSync(path.join(root, 'rollback-args'), 'utf8')).toBe(`v1\n--reason\noperator's call; $(reboot)\n--if-pending\n`)
  })

  it('refuses an agent that speaks another protocol', async () => {
    const c = await client()
    await c.installAgent(bundle('3.0.0', 2))
    await expect(c.probe([])).rejects.toBeInstanceOf(ProtocolError)
    await expect(c.ensureAgent(bundle('1.0.0', 1))).rejects.toThrow(/speaks protocol 2/)
  })
})
