import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

/*
 * A slow rural link in user space (no kernel netem here): a Duplex that sits
 * between the TCP socket and the ssh2 server and delays, paces and cuts the
 * bytes. Each direction is a lane: a chunk leaves when the wire is free
 * (bandwidth) plus the one-way delay (latency / 2), and never before the chunk
 * ahead of it, so order is preserved.
 *
 * Only the bytes are shaped, not the TCP handshake: on loopback the kernel
 * completes it at once, so whoever accepts a shaped connection waits the
 * handshake's round trips itself (the lab's StationEndpoint starts its SSH
 * server 1.5 × latencyMs after the accept). Meanwhile the link still carries
 * what the client sends: a ShapedSocket reads its socket from the start and
 * holds what arrived (as a kernel's receive buffer would) until it is read,
 * pausing the socket when that holds more than the stream's highWaterMark.
 */

export interface LinkShape {
  /** Added round-trip time in ms: each direction gets half. */
  latencyMs?: number
  /** Pacing per direction, kilobits per second (1 kbit = 1000 bits). */
  bandwidthKbps?: number
  /** Cut the connection once this many bytes went through (both directions). */
  dropAfterBytes?: number
}

export function isShaped(s: LinkShape): boolean {
  return Boolean(s.latencyMs || s.bandwidthKbps || s.dropAfterBytes)
}

/** The clock and timers a lane uses; tests pass fake ones (or use vitest fake timers). */
export interface LinkTimers {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Reads the globals at call time, so vitest's fake timers apply. */
export const realTimers: LinkTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

/** ms to put `bytes` on a wire of `kbps` kilobits per second. */
export function transmitMs(bytes: number, kbps: number | undefined): number {
  return kbps ? (bytes * 8) / kbps : 0
}

/** One direction: a FIFO of chunks, each released at its own time, in order. */
export class Lane {
  private readonly queue: Array<{ at: number; chunk: Buffer | null }> = []
  private wireFreeAt = 0
  private lastAt = 0
  private timer: unknown = undefined
  private stopped = false

  constructor(
    private readonly oneWayMs: number,
    private readonly kbps: number | undefined,
    private readonly timers: LinkTimers,
    private readonly deliver: (chunk: Buffer | null) => void,
  ) {}

  /** Queue a chunk (null = end of stream). */
  push(chunk: Buffer | null): void {
    if (this.stopped) return
    const now = this.timers.now()
    const start = Math.max(now, this.wireFreeAt)
    this.wireFreeAt = start + (chunk ? transmitMs(chunk.length, this.kbps) : 0)
    const at = Math.max(this.wireFreeAt + this.oneWayMs, this.lastAt)
    this.lastAt = at
    this.queue.push({ at, chunk })
    this.arm()
  }

  get pending(): number {
    return this.queue.length
  }

  stop(): void {
    this.stopped = true
    this.queue.length = 0
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0 || this.stopped) return
    const head = this.queue[0]
    const delay = Math.max(0, (head?.at ?? 0) - this.timers.now())
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, delay)
  }

  private flush(): void {
    const now = this.timers.now()
    // Bounded: at most the chunks queued so far.
    while (!this.stopped && this.queue.length > 0 && (this.queue[0]?.at ?? Infinity) <= now) {
      const item = this.queue.shift()
      if (item) this.deliver(item.chunk)
    }
    this.arm()
  }
}

type SocketLike = Duplex & Partial<Pick<Socket, 'remoteAddress' | 'remotePort' | 'remoteFamily' | 'setNoDelay'>>

/**
 * The socket ssh2 sees for a shaped connection. It forwards the socket-ish
 * properties ssh2 reads (remoteAddress, setNoDelay) to the real socket.
 */
export class ShapedSocket extends Duplex {
  private readonly inbound: Lane
  private readonly outbound: Lane
  private transferred = 0
  private innerClosed = false
  private endQueued = false
  private readonly limit: number

  constructor(
    private readonly inner: SocketLike,
    shape: LinkShape,
    private readonly timers: LinkTimers = realTimers,
  ) {
    super({ allowHalfOpen: true })
    const oneWay = (shape.latencyMs ?? 0) / 2
    this.limit = shape.dropAfterBytes ?? Infinity
    this.inbound = new Lane(oneWay, shape.bandwidthKbps, timers, (chunk) => {
      if (chunk === null) {
        this.push(null)
        if (this.innerClosed) this.destroy()
        return
      }
      const part = this.admit(chunk)
      if (part.length > 0 && !this.push(part)) this.inner.pause()
    })
    this.outbound = new Lane(oneWay, shape.bandwidthKbps, timers, (chunk) => {
      if (this.innerClosed) return
      if (chunk === null) {
        this.inner.end()
        return
      }
      const part = this.admit(chunk)
      if (part.length > 0) this.inner.write(part)
    })
    inner.on('data', (c: Buffer) => this.inbound.push(c))
    inner.on('end', () => this.queueEnd())
    inner.on('error', (err: Error) => this.destroy(err))
    inner.on('close', () => {
      this.innerClosed = true
      this.outbound.stop()
      // What already crossed the link still arrives; then the stream ends.
      if (this.inbound.pending === 0 && !this.destroyed) this.destroy()
      else this.queueEnd()
    })
    // Read from the start, even before anybody reads us (the socket may be paused: pauseOnConnect).
    inner.resume()
  }

  private queueEnd(): void {
    if (this.endQueued) return
    this.endQueued = true
    this.inbound.push(null)
  }

  /** Counts bytes against dropAfterBytes; returns the part that still fits, cuts the link when full. */
  private admit(chunk: Buffer): Buffer {
    const room = this.limit - this.transferred
    if (room >= chunk.length) {
      this.transferred += chunk.length
      if (this.transferred >= this.limit) this.timers.setTimeout(() => this.cut(), 0)
      return chunk
    }
    this.transferred = this.limit
    this.timers.setTimeout(() => this.cut(), 0)
    return chunk.subarray(0, Math.max(0, room))
  }

  private cut(): void {
    if (this.destroyed) return
    this.inbound.stop()
    this.outbound.stop()
    this.inner.destroy()
    this.destroy()
  }

  get bytesTransferred(): number {
    return this.transferred
  }

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress
  }

  get remotePort(): number | undefined {
    return this.inner.remotePort
  }

  get remoteFamily(): string | undefined {
    return this.inner.remoteFamily
  }

  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay?.(noDelay)
    return this
  }

  override _read(): void {
    this.inner.resume()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.outbound.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
    cb()
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.outbound.push(null)
    cb()
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inbound.stop()
    this.outbound.stop()
    if (!this.inner.destroyed) this.inner.destroy()
    cb(err)
  }
}
