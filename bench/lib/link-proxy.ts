/**
 * A user-space link emulator for the benchmark fleet (kernel netem is not
 * available here): for each station it listens on a front address and forwards
 * to the station's sshd, adding round-trip delay and a bandwidth limit with the
 * lab's ShapedSocket. It runs as its own process so its CPU is not counted as
 * the controller's.
 */
import net from 'node:net'
import { ShapedSocket, type LinkShape } from '../../src/lab/shaped-link.js'

export interface ProxyRoute {
  front: { host: string; port: number }
  back: { host: string; port: number }
}

/** 127.41.x.y mirrors the fleet's 127.40.x.y. */
export function frontAddress(backHost: string): string {
  return backHost.replace(/^127\.40\./, '127.41.')
}

export async function startLinkProxy(routes: ProxyRoute[], shape: LinkShape): Promise<{ close(): Promise<void> }> {
  const servers = await Promise.all(
    routes.map(
      (r) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((client) => {
            client.setNoDelay(true)
            const shaped = new ShapedSocket(client, shape)
            const upstream = net.connect(r.back.port, r.back.host)
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
          })
          server.once('error', reject)
          server.listen(r.front.port, r.front.host, () => resolve(server))
        }),
    ),
  )
  return {
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))))
    },
  }
}
