/**
 * A user-space link emulator for the benchmark fleet (kernel netem is not
 * available here): for each station it listens on a front address and forwards
 * to the station's sshd, adding round-trip delay and a bandwidth limit with the
 * lab's ShapedSocket. It runs as its own process so its CPU is not counted as
 * the controller's.
 *
 * The kernel completes the client's TCP handshake with the proxy at once, so
 * the proxy makes each new connection wait one RTT before any byte flows
 * (`connectDelayMs`, default the RTT): the cost of a real SYN / SYN-ACK.
 * What it does not emulate: loss, TCP slow start and window limits.
 */
import net from 'node:net'
import { ShapedSocket, type LinkShape } from '../../src/lab/shaped-link.js'

export interface ProxyRoute {
  front: { host: string; port: number }
  back: { host: string; port: number }
}

export interface ProxyShape extends LinkShape {
  /** extra wait before a new connection carries data (default latencyMs: the TCP handshake) */
  connectDelayMs?: number
}

/** 127.41.x.y mirrors the fleet's 127.40.x.y. */
export function frontAddress(backHost: string): string {
  return backHost.replace(/^127\.40\./, '127.41.')
}

function relay(client: net.Socket, back: ProxyRoute['back'], shape: ProxyShape): void {
  const shaped = new ShapedSocket(client, shape)
  const upstream = net.connect(back.port, back.host)
  upstream.setNoDelay(true)
  shaped.pipe(upstream)
  upstream.pipe(shaped)
  const close = (): void => {
    shaped.destroy()
    upstream.destroy()
  }
  shaped.on('error', close)
  upstream.on('error', close)
  shaped.on('close', close)
  upstream.on('close', close)
}

export async function startLinkProxy(routes: ProxyRoute[], shape: ProxyShape): Promise<{ close(): Promise<void> }> {
  const delay = shape.connectDelayMs ?? shape.latencyMs ?? 0
  const sockets = new Set<net.Socket>()
  const servers = await Promise.all(
    routes.map(
      (r) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((client) => {
            client.setNoDelay(true)
            sockets.add(client)
            client.on('close', () => sockets.delete(client))
            client.on('error', () => client.destroy())
            if (delay <= 0) return relay(client, r.back, shape)
            // Hold the bytes the client sends meanwhile (paused: they stay in the kernel buffer).
            client.pause()
            setTimeout(() => {
              if (!client.destroyed) relay(client, r.back, shape)
            }, delay)
          })
          server.once('error', reject)
          server.listen(r.front.port, r.front.host, () => resolve(server))
        }),
    ),
  )
  return {
    close: async () => {
      for (const s of sockets) s.destroy()
      await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))))
    },
  }
}
