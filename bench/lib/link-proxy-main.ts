// Entry: node --import tsx bench/lib/link-proxy-main.ts <fleet.json> <rttMs> [kbps]
// Prints "ready" once every front address listens; stops on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises'
import { frontAddress, startLinkProxy } from './link-proxy.js'
import type { Fleet } from './fleet.js'

const [fleetFile, rtt, kbps] = process.argv.slice(2)
if (!fleetFile || !rtt) {
  process.stderr.write('usage: link-proxy-main.ts <fleet.json> <rttMs> [kbps]\n')
  process.exit(2)
}
const fleet = JSON.parse(await readFile(fleetFile, 'utf8')) as Fleet
const proxy = await startLinkProxy(
  fleet.stations.map((s) => ({ front: { host: frontAddress(s.host), port: s.port }, back: { host: s.host, port: s.port } })),
  { latencyMs: Number(rtt), ...(kbps ? { bandwidthKbps: Number(kbps) } : {}) },
)
process.stdout.write('ready\n')
const stop = (): void => {
  void proxy.close().then(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
