import { createHash } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { AuthError, CommandTimeoutError, HostKeyMismatchError, UnknownHostKeyError, UnreachableError } from '../../src/ssh/errors.js'
import { connect, withSession, type ConnectOptions, type SshTarget } from '../../src/ssh/session.js'
import { closedPort, generateKey, silentServer, withServer, type TestServer } from '../support/ssh-server.js'

const noSleep = async (): Promise<void> => undefined

function target(server: { host: string; port: number }, extra: Partial<SshTarget> = {}): SshTarget {
  return { stationId: '441802104201', host: server.host, port: server.port, user: 'root', ...extra }
}

function options(server: TestServer, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { identity: { privateKey: server.clientKey.private }, connectTimeoutMs: 5000, retry: { attempts: 1, baseMs: 1, maxMs: 1 }, sleep: noSleep, ...extra }
}

describe('connect and exec over an in-process SSH server', () => {
  it('returns exit codes and output instead of throwing, and measures timings', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        expect(s.handshakeMs).toBeGreaterThan(0)
        expect(s.hostKey.fingerprint).toBe(server.hostKey.fingerprint)
        expect(s.hostKey.type).toBe('ssh-ed25519')
        const ok = await s.exec('echo hello; echo oops >&2')
        expect(ok).toMatchObject({ exitCode: 0, signal: null, stdout: 'hello\n', stderr: 'oops\n' })
        expect(ok.ms).toBeGreaterThanOrEqual(0)
        const failed = await s.exec('exit 3')
        expect(failed.exitCode).toBe(3)
        const notFound = await s.exec('no-such-command-lastmile')
        expect(notFound.exitCode).toBe(127)
        expect(s.execCount).toBe(3)
      })
    })
  })

  it('reports a command killed by a signal as signal, not as an error', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        const r = await s.exec('kill -TERM $$')
        expect(r.exitCode).toBeNull()
        expect(r.signal).toBe('SIGTERM')
      })
    })
  })

  it('streams 5 MB of stdin intact (sha256 computed on the server side)', async () => {
    await withServer({}, async (server) => {
      const data = randomBytes(5 * 1024 * 1024)
      const want = createHash('sha256').update(data).digest('hex')
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        const fromBuffer = await s.exec('sha256sum', [], { stdin: data })
        expect(fromBuffer.stdout.split(' ')[0]).toBe(want)
        const fromStream = await s.exec('sha256sum', [], { stdin: Readable.from([data.subarray(0, 1000), data.subarray(1000)]) })
        expect(fromStream.stdout.split(' ')[0]).toBe(want)
        const count = await s.exec('wc', ['-c'], { stdin: data })
        expect(count.stdout.trim()).toBe(String(data.length))
      })
    })
  })

  it('a command that exits without reading its stdin still returns (the agent does so on pending/locked)', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        const r = await s.exec('echo refused; exit 1', [], { stdin: randomBytes(5 * 1024 * 1024), timeoutMs: 15_000 })
        expect(r).toMatchObject({ exitCode: 1, stdout: 'refused\n' })
      })
    })
  })

  it('passes hostile arguments through a real sh -c as single words', async () => {
    const hostile = ["'; rm -rf / #", '$(id)', '`id`', 'a\nb', '清城区 飞来峡', "it's", '"double" \\back', '*', '~', '-n', '', '$HOME', '; exit 9', 'a b\tc']
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        const r = await s.exec("printf '%s\\0'", hostile)
        expect(r.exitCode).toBe(0)
        expect(r.stdout.split('\0').slice(0, -1)).toEqual(hostile)
      })
    })
  })

  it('closes the channel and throws a timeout error when a command runs too long', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        const err = await s.exec('sleep 30', [], { timeoutMs: 200 }).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(CommandTimeoutError)
        expect((err as CommandTimeoutError).kind).toBe('timeout')
        // The session is still usable afterwards.
        expect((await s.exec('echo still-here')).stdout).toBe('still-here\n')
      })
    })
  })

  it('delivers output as it arrives through onStdout/onStderr', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        const seen: string[] = []
        await s.exec('echo a; echo b >&2', [], { onStdout: (c) => seen.push(`out:${c}`), onStderr: (c) => seen.push(`err:${c}`) })
        expect(seen.sort()).toEqual(['err:b\n', 'out:a\n'])
      })
    })
  })
})

describe('host key pinning', () => {
  it('accepts the pinned key', async () => {
    await withServer({}, async (server) => {
      const s = await connect(target(server, { expectedHostKey: [generateKey().fingerprint, server.hostKey.fingerprint] }), options(server))
      expect(s.newHostKey).toBe(false)
      await s.close()
    })
  })

  it('refuses a changed key, naming the station and both fingerprints, and does not retry', async () => {
    await withServer({}, async (server) => {
      const pinned = generateKey().fingerprint
      const err = await connect(target(server, { expectedHostKey: pinned, pinSource: { kind: 'known_hosts', file: 'inv/known_hosts' } }), options(server, { retry: { attempts: 3, baseMs: 1, maxMs: 1 } })).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(HostKeyMismatchError)
      const e = err as HostKeyMismatchError
      expect(e.kind).toBe('host-key-mismatch')
      expect(e.message).toContain('441802104201')
      expect(e.message).toContain(`127.0.0.1:${server.port}`)
      expect(e.message).toContain(pinned)
      expect(e.message).toContain(server.hostKey.fingerprint)
      expect(e.hint).toContain('lastmile hosts trust --station 441802104201 --replace')
      expect(e.retryable).toBe(false)
      expect(server.connections).toBe(1)
      expect(server.keyAuthAttempts).toBe(0)
    })
  })

  it('refuses an unknown key unless trustNew, which accepts and reports it', async () => {
    await withServer({}, async (server) => {
      const err = await connect(target(server), options(server)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UnknownHostKeyError)
      expect((err as UnknownHostKeyError).kind).toBe('unknown-host-key')
      expect((err as UnknownHostKeyError).message).toContain(server.hostKey.fingerprint)
      expect(server.keyAuthAttempts).toBe(0)

      const reported: string[] = []
      const s = await connect(target(server), options(server, { trustNew: true, onNewHostKey: (fp) => reported.push(fp) }))
      expect(reported).toEqual([server.hostKey.fingerprint])
      expect(s.newHostKey).toBe(true)
      expect(s.hostKey.base64.length).toBeGreaterThan(40)
      await s.close()
    })
  })
})

describe('failures and retries', () => {
  it('connection refused: unreachable after exactly N attempts, with full-jitter backoff delays', async () => {
    const port = await closedPort()
    const delays: number[] = []
    const err = await connect(
      { stationId: '441802104201', host: '127.0.0.1', port, user: 'root' },
      { identity: {}, retry: { attempts: 4, baseMs: 1000, maxMs: 3000 }, sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnreachableError)
    const e = err as UnreachableError
    expect(e.kind).toBe('unreachable')
    expect(e.reason).toBe('ECONNREFUSED')
    expect(e.attempts).toBe(4)
    expect(e.phase).toBe('connect')
    expect(e.message).toContain('after 4 attempts')
    // 0.5 × min(3000, 1000 × 2^(n-1)) before attempts 2, 3, 4.
    expect(delays).toEqual([500, 1000, 1500])
  })

  it('handshake that never comes: unreachable (ready timeout), retried', async () => {
    const silent = await silentServer()
    try {
      const delays: number[] = []
      const err = await connect(
        { stationId: '441802104201', host: '127.0.0.1', port: silent.port, user: 'root' },
        { identity: {}, connectTimeoutMs: 300, retry: { attempts: 2, baseMs: 10, maxMs: 10 }, sleep: async (ms) => void delays.push(ms), random: () => 1 },
      ).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UnreachableError)
      expect((err as UnreachableError).reason).toBe('READY_TIMEOUT')
      expect(delays).toEqual([10])
    } finally {
      await silent.close()
    }
  })

  it('a connection closed before the SSH banner is unreachable and retried', async () => {
    const { createServer } = await import('node:net')
    let accepted = 0
    const srv = createServer((sock) => {
      accepted++
      sock.destroy()
    })
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()))
    const port = (srv.address() as { port: number }).port
    try {
      const err = await connect({ stationId: '441802104201', host: '127.0.0.1', port, user: 'root' }, { identity: {}, retry: { attempts: 3, baseMs: 1, maxMs: 1 }, sleep: noSleep }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UnreachableError)
      expect((err as UnreachableError).attempts).toBe(3)
      expect(accepted).toBe(3)
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    }
  })

  it('authentication failure: auth error naming the key offered, never retried', async () => {
    await withServer({}, async (server) => {
      const stranger = generateKey()
      const delays: number[] = []
      const err = await connect(target(server, { expectedHostKey: server.hostKey.fingerprint }), {
        identity: { privateKey: stranger.private, offered: [`~/.ssh/id_ed25519 (${stranger.fingerprint})`] },
        retry: { attempts: 5, baseMs: 1, maxMs: 1 },
        sleep: async (ms) => void delays.push(ms),
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AuthError)
      const e = err as AuthError
      expect(e.kind).toBe('auth')
      expect(e.message).toContain(stranger.fingerprint)
      expect(e.hint).toContain('operators.yaml')
      expect(delays).toEqual([])
      expect(server.connections).toBe(1)
    })
  })

  it('signs in the first authentication request: one request per login, not a check and then a signature', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server), async (s) => {
        expect((await s.exec('echo in')).stdout).toBe('in\n')
      })
      expect(server.keyAuths).toEqual([{ signed: true, algo: 'ssh-ed25519' }])
    })
  })

  it('an RSA key signs at once too, with the SHA-2 algorithm the server offers', async () => {
    const rsa = generateKey('rsa', 'operator')
    await withServer({ authorizedKeys: [rsa.public] }, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server, { identity: { privateKey: rsa.private } }), async (s) => {
        expect((await s.exec('echo in')).exitCode).toBe(0)
      })
      expect(server.keyAuths).toHaveLength(1)
      expect(server.keyAuths[0]).toMatchObject({ signed: true, algo: 'ssh-rsa' })
      expect(server.keyAuths[0]?.hash).toMatch(/^sha(256|512)$/)
    })
  })

  it('never re-runs a command: a failing exec is returned once', async () => {
    await withServer({}, async (server) => {
      await withSession(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server, { retry: { attempts: 5, baseMs: 1, maxMs: 1 } }), async (s) => {
        expect((await s.exec('exit 1')).exitCode).toBe(1)
      })
      expect(server.commands).toEqual(['exit 1'])
    })
  })

  it('a session whose connection is gone reports unreachable for the next exec', async () => {
    await withServer({}, async (server) => {
      const s = await connect(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server))
      await s.close()
      const err = await s.exec('true').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UnreachableError)
      expect(server.commands).toEqual([])
    })
  })

  it('the link dying mid-command is unreachable, phase exec, in doubt', async () => {
    let kill: (() => void) | undefined
    await withServer(
      {
        exec: ({ stream }) => {
          stream.write('partial')
          kill = () => stream.destroy()
        },
      },
      async (server) => {
        const s = await connect(target(server, { expectedHostKey: server.hostKey.fingerprint }), options(server))
        const pending = s.exec('lastmile-station apply x').catch((e: unknown) => e)
        while (!kill) await new Promise((r) => setTimeout(r, 5))
        await server.close()
        const err = await pending
        expect(err).toBeInstanceOf(UnreachableError)
        expect((err as UnreachableError).phase).toBe('exec')
        expect((err as UnreachableError).inDoubt).toBe(true)
        expect((err as UnreachableError).retryable).toBe(false)
        await s.close()
      },
    )
  })
})
