/**
 * Makes a benchmark fleet look like a running lab to lastmile: writes
 * `<home>/lab/target.json` (the LabTarget contract of src/lab/target.ts).
 * What the rollout relies on (src/rollout/service.ts): the file exists and
 * `pid` is alive, so `push --lab` uses it and does not start a lab of its
 * own. We record the benchmark runner's pid: the "lab" lives as long as it.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { LabTarget } from '../../src/lab/target.js'
import type { Fleet } from './fleet.js'
import { frontAddress } from './link-proxy.js'

export interface FleetTargetOptions {
  home: string
  fleet: Fleet
  inventory: string
  /** connect through the link emulator (127.41.x.y) instead of straight to sshd */
  viaProxy: boolean
  pid?: number
}

export async function writeFleetTarget(o: FleetTargetOptions): Promise<string> {
  const dir = path.join(o.home, 'lab')
  await mkdir(dir, { recursive: true })
  // A stale known_hosts from another run would win over the pins below.
  await rm(path.join(dir, 'known_hosts'), { force: true })
  const target: LabTarget = {
    version: 1,
    pid: o.pid ?? process.pid,
    startedAt: new Date().toISOString(),
    inventory: path.resolve(o.inventory),
    operatorKey: o.fleet.operatorKey,
    stations: o.fleet.stations.map((s) => ({
      id: s.id,
      host: o.viaProxy ? frontAddress(s.host) : s.host,
      port: s.port,
      user: o.fleet.user,
      hostKey: s.hostKeyFingerprint,
      root: s.root,
    })),
  }
  const file = path.join(dir, 'target.json')
  await writeFile(file, JSON.stringify(target, null, 2) + '\n', { mode: 0o600 })
  return file
}
