import type { DistrictSpec, Operator, StationSpec, TownFile } from './schema.js'
import type { PositionIndex } from './positions.js'

export type TownSpec = TownFile['town']

/** A town as loaded: its spec, the file it came from and its stations. */
export interface Town extends TownSpec {
  file: string
  stations: Station[]
}

/** A station as loaded: the spec with defaults merged and its town attached. */
export interface Station extends Omit<StationSpec, 'ssh'> {
  town: Pick<TownSpec, 'code' | 'name' | 'slug'>
  ssh: { user: string; port: number; hostKey?: string | undefined }
  /** Where the station is written: file and index in its `stations:` list. */
  source: { file: string; index: number }
}

export interface Inventory {
  /** The directory it was loaded from (as given). */
  dir: string
  district: DistrictSpec
  towns: Town[]
  /** Every station of every town, in file order; includes those with `hasStation: false`. */
  stations: Station[]
  operators: Operator[]
  positions: PositionIndex
}

/** Stations that exist (a committee without a station yet is kept in the inventory, not in rollouts). */
export function activeStations(inv: Inventory): Station[] {
  return inv.stations.filter((s) => s.hasStation)
}
