import { beforeAll, describe, expect, it } from 'vitest'
import { collectHealth } from '../../src/health/collect.js'
import { toProbeError } from '../../src/health/ssh-probe.js'
import type { Station } from '../../src/inventory/model.js'
import { AuthError, HostKeyMismatchError, UnreachableError } from '../../src/ssh/errors.js'
import { AgentMissingError } from '../../src/station/errors.js'
import { NOW, cloneStations, loadMini, station } from './helpers.js'

let stations: Station[]
beforeAll(async () => {
  stations = cloneStations(station(await loadMini(), '441802006001'), 12)
})

describe('collectHealth', () => {
  it('probes every station, at most `concurrency` at once, results in inventory order', async () => {
    let inFlight = 0
    let peak = 0
    const release: Array<() => void> = []
    const done = collectHealth({
      targets: stations.map((s) => ({ station: s, target: s.id })),
      concurrency: 3,
      now: () => NOW,
      probeOne: async (s) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        await new Promise<void>((r) => release.push(r))
        inFlight--
        return { stationId: s.id, at: NOW, rttMs: 1 }
      },
    })
    let settled = false
    void done.then(() => (settled = true))
    // Let the workers start, then release the waiting probes (in reverse, to scramble completion order). Bounded.
    for (let i = 0; i < 1000 && !settled; i++) {
      await new Promise((r) => setImmediate(r))
      release.splice(0).reverse().forEach((r) => r())
    }
    const probes = await done
    expect(peak).toBe(3)
    expect(probes.map((p) => p.stationId)).toEqual(stations.map((s) => s.id))
  })

  it('a prober that throws becomes that station\'s error, not a lost run', async () => {
    const probes = await collectHealth({
      targets: stations.slice(0, 2).map((s) => ({ station: s, target: null })),
      now: () => NOW,
      probeOne: async (s) => {
        if (s.id === stations[0]!.id) throw new Error('boom')
        return { stationId: s.id, at: NOW }
      },
    })
    expect(probes[0]).toEqual({ stationId: stations[0]!.id, at: NOW, error: { kind: 'internal', message: 'boom' } })
    expect(probes[1]?.error).toBeUndefined()
  })
})

describe('toProbeError: the transport\'s typed errors become short reasons', () => {
  const ep = { stationId: '441802006001', host: '10.250.1.1', port: 22 }
  it.each([
    [new UnreachableError(ep, 'ETIMEDOUT', 'connection timed out (ETIMEDOUT)', { attempts: 2 }), { kind: 'unreachable', message: 'connection timed out (ETIMEDOUT), 2 attempts' }],
    [new AuthError({ ...ep, user: 'root' }, ['~/.ssh/id_ed25519 (SHA256:abc)']), { kind: 'auth', message: 'offered ~/.ssh/id_ed25519 (SHA256:abc)' }],
    [new HostKeyMismatchError(ep, ['SHA256:old'], 'SHA256:new'), { kind: 'host-key-mismatch', message: 'expected SHA256:old, found SHA256:new' }],
    [new AgentMissingError(ep), { kind: 'agent-missing', message: 'lastmile-station not found on the station' }],
  ])('%s', (err, expected) => {
    expect(toProbeError(err)).toEqual(expected)
  })
})
