import { Duplex } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Lane, ShapedSocket, isShaped, transmitMs, type LinkTimers } from '../../src/lab/shaped-link.js'

/** A hand-driven clock: timers fire only when the test advances time. */
function manualTimers(): LinkTimers & { advance(ms: number): void } {
  let now = 0
  let seq = 0
  const pending = new Map<number, { at: number; fn: () => void }>()
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++seq
      pending.set(id, { at: now + ms, fn })
      return id
    },
    clearTimeout: (h) => void pending.delete(h as number),
    advance(ms) {
      const end = now + ms
      // Bounded: each round fires at least one timer or stops.
      for (let guard = 0; guard < 10_000; guard++) {
        const next = [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0]
        if (!next || next[1].at > end) break
        pending.delete(next[0])
        now = next[1].at
        next[1].fn()
      }
      now = end
    },
  }
}

describe('Lane (one direction of a shaped link)', () => {
  it('delays each chunk by the one-way latency and keeps the order', () => {
    const t = manualTimers()
    const got: Array<[number, string]> = []
    const lane = new Lane(100, undefined, t, (c) => got.push([t.now(), c ? c.toString() : 'END']))
    lane.push(Buffer.from('a'))
    t.advance(30)
    lane.push(Buffer.from('b'))
    lane.push(null)
    t.advance(69)
    expect(got).toEqual([])
    t.advance(1)
    expect(got).toEqual([[100, 'a']])
    t.advance(200)
    expect(got).toEqual([
      [100, 'a'],
      [130, 'b'],
      [130, 'END'],
    ])
  })

  it('paces to the bandwidth: a chunk leaves when the wire is free', () => {
    const t = manualTimers()
    const got: number[] = []
    // 1,000 bytes at 80 kbit/s = 100 ms on the wire each.
    expect(transmitMs(1000, 80)).toBe(100)
    const lane = new Lane(10, 80, t, () => got.push(t.now()))
    for (let i = 0; i < 3; i++) lane.push(Buffer.alloc(1000))
    t.advance(1000)
    expect(got).toEqual([110, 210, 310])
  })

  it('stop() drops what is queued and fires nothing later', () => {
    const t = manualTimers()
    const got: string[] = []
    const lane = new Lane(50, undefined, t, (c) => got.push(String(c)))
    lane.push(Buffer.from('x'))
    lane.stop()
    lane.push(Buffer.from('y'))
    t.advance(500)
    expect(got).toEqual([])
  })
})

/** The TCP socket side: what the client sent is pushed into it; what the server writes is recorded with the (fake) time. */
function fakeSocket(): Duplex & { sent: Array<[number, string]> } {
  const sent: Array<[number, string]> = []
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      sent.push([Date.now(), chunk.toString()])
      cb()
    },
  })
  return Object.assign(d, { sent })
}

describe('ShapedSocket (vitest fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('adds latencyMs to a round trip: half on the way in, half on the way out, in order', async () => {
    const inner = fakeSocket()
    const shaped = new ShapedSocket(inner, { latencyMs: 200 })
    const received: Array<[number, string]> = []
    shaped.on('data', (c: Buffer) => received.push([Date.now(), c.toString()]))
    inner.push('SSH-2.0-client\r\n')
    inner.push('kexinit')
    await vi.advanceTimersByTimeAsync(99)
    expect(received).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(received.map((r) => r[1]).join('')).toBe('SSH-2.0-client\r\nkexinit')
    expect(received.every(([at]) => at === 100)).toBe(true)
    shaped.write('SSH-2.0-lastmile-lab\r\n')
    shaped.write('reply')
    await vi.advanceTimersByTimeAsync(100)
    expect(inner.sent).toEqual([
      [200, 'SSH-2.0-lastmile-lab\r\n'],
      [200, 'reply'],
    ])
  })

  it('cuts the connection after dropAfterBytes, delivering exactly that many bytes', async () => {
    const inner = fakeSocket()
    const shaped = new ShapedSocket(inner, { dropAfterBytes: 10 })
    let received = ''
    shaped.on('data', (c: Buffer) => (received += c.toString()))
    shaped.on('error', () => undefined)
    const closed = new Promise((r) => shaped.once('close', r))
    inner.push('123456')
    inner.push('789abcdef')
    await vi.advanceTimersByTimeAsync(5)
    await closed
    expect(received).toBe('123456789a')
    expect(shaped.bytesTransferred).toBe(10)
    expect(inner.destroyed).toBe(true)
  })

  it('ends the stream after the data that was already on its way', async () => {
    const inner = fakeSocket()
    const shaped = new ShapedSocket(inner, { latencyMs: 50 })
    const events: string[] = []
    shaped.on('data', (c: Buffer) => events.push(c.toString()))
    shaped.on('end', () => events.push('END'))
    inner.push('last words')
    inner.push(null)
    await vi.advanceTimersByTimeAsync(24)
    expect(events).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(events).toEqual(['last words', 'END'])
  })

  it('carries what the client sends before anybody reads, and holds it until read (a paused socket too)', async () => {
    const inner = fakeSocket()
    inner.pause() // as net.Server's pauseOnConnect leaves it
    const shaped = new ShapedSocket(inner, { latencyMs: 200 })
    inner.push('SSH-2.0-client\r\n')
    inner.push('kexinit')
    // The server starts reading only after the emulated TCP handshake (1.5 RTT).
    await vi.advanceTimersByTimeAsync(300)
    const received: Array<[number, string]> = []
    shaped.on('data', (c: Buffer) => received.push([Date.now(), c.toString()]))
    await vi.advanceTimersByTimeAsync(0)
    expect(received.map((r) => r[1]).join('')).toBe('SSH-2.0-client\r\nkexinit')
    expect(received.every(([at]) => at === 300)).toBe(true)
  })

  it('only connections with a latency, bandwidth or byte limit are shaped', () => {
    expect(isShaped({})).toBe(false)
    expect(isShaped({ latencyMs: 0 })).toBe(false)
    expect(isShaped({ bandwidthKbps: 256 })).toBe(true)
    expect(isShaped({ dropAfterBytes: 1 })).toBe(true)
  })
})
