import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLabLog } from '../../src/lab/log.js'
import type { LabPlanStation } from '../../src/lab/plan.js'
import { endpointPlan, plannedStation } from './helpers.js'
import { configuredSsid, configuredSsids, serverStartDelayMs, StationEndpoint } from '../../src/lab/station-endpoint.js'
import type { StationFaults } from '../../src/lab/faults.js'

let dir: string
const station = (over: Partial<LabPlanStation>): LabPlanStation => plannedStation(dir, '127.21.0.1', over)

function endpoint(st: LabPlanStation, random = () => 0.5): StationEndpoint {
  return new StationEndpoint(st, { plan: endpointPlan, log: createLabLog(() => undefined), faults: () => ({}), authorizedKeys: () => [], hostPath: '/usr/bin:/bin', random })
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lastmile-endpoint-'))
  await mkdir(path.join(dir, 'lab'), { recursive: true })
  await mkdir(path.join(dir, 'etc/config'), { recursive: true })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('when a lab station refuses a connection', () => {
  it('refuses for unreachable, and for a WAN down unless the station has a 4G backup', () => {
    const e = endpoint(station({}))
    const reason = (f: StationFaults) => e.refuseReason(f)
    expect(reason({})).toBeUndefined()
    expect(reason({ unreachable: true })).toBe('unreachable')
    expect(reason({ wanDown: true })).toMatch(/WAN down/)
    expect(endpoint(station({ wanBackup: true })).refuseReason({ wanDown: true })).toBeUndefined()
  })

  it('refuses while lab/link-down exists', async () => {
    const e = endpoint(station({}))
    await writeFile(path.join(dir, 'lab/link-down'), '')
    expect(e.refuseReason({})).toMatch(/link down/)
    await rm(path.join(dir, 'lab/link-down'))
    expect(e.refuseReason({})).toBeUndefined()
  })

  it('flakyPercent refuses that share of connections (injected randomness)', () => {
    expect(endpoint(station({}), () => 0.29).refuseReason({ flakyPercent: 30 })).toBe('flaky')
    expect(endpoint(station({}), () => 0.3).refuseReason({ flakyPercent: 30 })).toBeUndefined()
  })

  it('commands get only the station environment, with its own directories first on PATH', () => {
    const env = endpoint(station({})).env()
    expect(Object.keys(env).sort()).toEqual(['HOME', 'LASTMILE_ROOT', 'LASTMILE_SHELL', 'PATH'])
    expect(env.PATH?.split(':').slice(0, 5)).toEqual([`${dir}/lab/bin`, `${dir}/usr/sbin`, `${dir}/usr/bin`, `${dir}/sbin`, `${dir}/bin`])
    expect(env.LASTMILE_SHELL).toBe('/bin/sh')
  })

  it('reports the SSID of the wireless config as iwinfo would', async () => {
    expect(configuredSsid(dir)).toBe('OpenWrt')
    await writeFile(path.join(dir, 'etc/config/wireless'), "config wifi-iface 'staff'\n\toption ssid 'QC-jiangkou-staff'\n")
    expect(configuredSsid(dir)).toBe('QC-jiangkou-staff')
  })

  it('reports every SSID the config sets, one AP interface each (staff and public)', async () => {
    await writeFile(path.join(dir, 'etc/config/wireless'), "config wifi-iface 'staff'\n\toption ssid 'QC-jiangkou-staff'\n\nconfig wifi-iface 'public'\n\toption ssid '清城飞来峡江口'\n")
    expect(configuredSsids(dir)).toEqual(['QC-jiangkou-staff', '清城飞来峡江口'])
  })
})

describe('when a lab station starts its SSH server on a new connection', () => {
  it('at once on an unshaped link; 1.5 round trips later with latencyMs (the TCP handshake), plus slowHandshakeMs', () => {
    expect(serverStartDelayMs({})).toBe(0)
    expect(serverStartDelayMs({ latencyMs: 0 })).toBe(0)
    expect(serverStartDelayMs({ latencyMs: 200 })).toBe(300)
    expect(serverStartDelayMs({ slowHandshakeMs: 700 })).toBe(700)
    expect(serverStartDelayMs({ latencyMs: 200, slowHandshakeMs: 700 })).toBe(1000)
  })
})
