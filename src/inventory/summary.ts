import { deviceType, fibreUpgrade, wanType, type DeviceType } from './schema.js'
import type { Inventory, Station, Town } from './model.js'

type FibreStatus = Station['fibreUpgrade']['status']
type WanType = Station['wan']['type']

/** What `inventory show` counts. Committees without a station count only in `withoutStation`. */
export interface Totals {
  towns: number
  /** Active stations (hasStation: true). */
  stations: number
  /** Committees kept in the inventory without a station yet. */
  withoutStation: number
  ecommerce: number
  settopBoxHouseholds: number
  infoPoints: number
  computers: number
  /** Sum of device counts per type (computers included). */
  devicesByType: Record<DeviceType, number>
  wifiStations: number
  wanByType: Record<WanType, number>
  wanBackup: number
  fibreUpgrade: Record<FibreStatus, number>
  canaries: number
}

export interface TownSummary extends Omit<Totals, 'towns'> {
  code: string
  name: string
  slug: string
  kind: string
  file: string
}

export interface ProgrammeRow {
  key: 'towns' | 'stations' | 'ecommerceStations' | 'settopBoxHouseholds' | 'infoPoints'
  inventory: number
  programme: number
  difference: number
  /** Counts must match exactly; households and info points within 1 %. */
  ok: boolean
}

export function emptyTotals(): Totals {
  return {
    towns: 0,
    stations: 0,
    withoutStation: 0,
    ecommerce: 0,
    settopBoxHouseholds: 0,
    infoPoints: 0,
    computers: 0,
    devicesByType: Object.fromEntries(deviceType.options.map((t) => [t, 0])) as Record<DeviceType, number>,
    wifiStations: 0,
    wanByType: Object.fromEntries(wanType.options.map((t) => [t, 0])) as Record<WanType, number>,
    wanBackup: 0,
    fibreUpgrade: Object.fromEntries(fibreUpgrade.shape.status.options.map((t) => [t, 0])) as Record<FibreStatus, number>,
    canaries: 0,
  }
}

function addStation(t: Totals, s: Station): void {
  if (!s.hasStation) {
    t.withoutStation++
    return
  }
  t.stations++
  if (s.ecommerce) t.ecommerce++
  t.settopBoxHouseholds += s.settopBoxHouseholds
  t.infoPoints += s.infoPoints
  for (const d of s.devices) {
    t.devicesByType[d.type] += d.count
    if (d.type === 'computer') t.computers += d.count
  }
  if (s.wifi) t.wifiStations++
  t.wanByType[s.wan.type]++
  if (s.wanBackup) t.wanBackup++
  t.fibreUpgrade[s.fibreUpgrade.status]++
  if (s.canary) t.canaries++
}

/** Totals of the given stations (all of the inventory's when omitted). Pure. */
export function totalsOf(stations: readonly Station[]): Totals {
  const t = emptyTotals()
  t.towns = new Set(stations.map((s) => s.town.code)).size
  for (const s of stations) addStation(t, s)
  return t
}

export function townSummary(town: Town, stations: readonly Station[] = town.stations): TownSummary {
  const { towns: _towns, ...rest } = totalsOf(stations)
  return { code: town.code, name: town.name, slug: town.slug, kind: town.kind, file: town.file, ...rest }
}

/** The inventory's totals against district.programme (what the programme promised). */
export function compareWithProgramme(inv: Inventory, totals: Totals): ProgrammeRow[] {
  const p = inv.district.programme
  const row = (key: ProgrammeRow['key'], inventory: number, programme: number, tolerance: number): ProgrammeRow => ({
    key,
    inventory,
    programme,
    difference: inventory - programme,
    ok: Math.abs(inventory - programme) <= tolerance * programme,
  })
  return [
    row('towns', totals.towns, p.towns, 0),
    row('stations', totals.stations, p.stations, 0),
    row('ecommerceStations', totals.ecommerce, p.ecommerceStations, 0),
    row('settopBoxHouseholds', totals.settopBoxHouseholds, p.settopBoxHouseholds, 0.01),
    row('infoPoints', totals.infoPoints, p.infoPoints, 0.01),
  ]
}
