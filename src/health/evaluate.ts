import type { Station } from '../inventory/model.js'
import { handshakeCheck, reachableCheck, rttCheck } from './checks/connection.js'
import { agentCheck, driftCheck, pendingCheck } from './checks/config.js'
import { usbCheck } from './checks/devices.js'
import { tunnelCheck, wanCheck, wifiCheck } from './checks/network.js'
import { diskCheck, loadCheck, memoryCheck, uptimeCheck } from './checks/system.js'
import { withDefaults, type Thresholds } from './thresholds.js'
import { worst, type AgentHealth, type Check, type ProbeError, type StationHealth, type StationProbe } from './types.js'

export interface EvaluateInput {
  station: Station
  /** the agent's health answer, or … */
  health?: AgentHealth
  /** … why there is none */
  error?: ProbeError
  handshakeMs?: number
  rttMs?: number
  /** epoch ms */
  now: number
  thresholds?: Partial<Thresholds>
  /** the agent version this controller ships (station/lastmile-station) */
  expectedAgentVersion?: string
  /** zone for clock times inside reasons (default: the machine's) */
  timeZone?: string
}

/**
 * One station's checks from one probe. Pure: the same input gives the same
 * checks, so every fault can be tested from canned agent JSON.
 */
export function evaluate(input: EvaluateInput): StationHealth {
  const t = withDefaults(input.thresholds)
  const { station, health } = input
  const error = health ? undefined : (input.error ?? { kind: 'agent-error', message: 'no answer and no error recorded' })
  const checks: Check[] = [reachableCheck(error)]
  if (input.handshakeMs !== undefined) checks.push(handshakeCheck(input.handshakeMs, t))
  if (health) {
    if (input.rttMs !== undefined) checks.push(rttCheck(input.rttMs, t))
    checks.push(uptimeCheck(health, t), loadCheck(health, t), memoryCheck(health, t), diskCheck(health, t))
    checks.push(wanCheck(station, health), tunnelCheck(health, input.now, t))
    const wifi = wifiCheck(station, health)
    if (wifi) checks.push(wifi)
    const usb = usbCheck(station, health)
    if (usb) checks.push(usb)
    checks.push(driftCheck(health), agentCheck(health, input.expectedAgentVersion), pendingCheck(health, input.timeZone))
  }
  return {
    id: station.id,
    name: station.name,
    short: station.short,
    town: { code: station.town.code, slug: station.town.slug, name: station.town.name },
    state: worst(checks.map((c) => c.state)),
    checks,
    answered: Boolean(health),
    at: new Date(input.now).toISOString(),
    ...(input.handshakeMs === undefined ? {} : { handshakeMs: input.handshakeMs }),
    ...(health && input.rttMs !== undefined ? { rttMs: input.rttMs } : {}),
    ...(health ? { lastAnswerAt: new Date(input.now).toISOString() } : {}),
  }
}

/** `evaluate` for a probe as collect.ts returns it. */
export function evaluateProbe(station: Station, probe: StationProbe, opts: Omit<EvaluateInput, 'station' | 'health' | 'error' | 'handshakeMs' | 'rttMs' | 'now'> & { now?: number }): StationHealth {
  return evaluate({
    ...opts,
    station,
    now: opts.now ?? probe.at,
    ...(probe.health ? { health: probe.health } : {}),
    ...(probe.error ? { error: probe.error } : {}),
    ...(probe.handshakeMs === undefined ? {} : { handshakeMs: probe.handshakeMs }),
    ...(probe.rttMs === undefined ? {} : { rttMs: probe.rttMs }),
  })
}

/** Recompute a station's overall state after checks were changed (topology, staleness). */
export function restate(s: StationHealth): StationHealth {
  return { ...s, state: worst(s.checks.map((c) => c.state)) }
}
