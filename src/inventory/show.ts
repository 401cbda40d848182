import type { InputProblem } from '../cli/errors.js'
import { loadInventoryOrThrow } from './loader.js'
import type { Inventory, Station } from './model.js'
import { resolveTowns, selectStations } from './select.js'
import { compareWithProgramme, totalsOf, townSummary, type ProgrammeRow, type Totals, type TownSummary } from './summary.js'

export interface ShowOptions {
  inventoryDir: string
  towns?: string[]
  stations?: string[]
}

/** A station as `show --station` returns it: the loaded record, secrets as their refs, and where it is written. */
export type StationRecord = Omit<Station, 'source'> & { source: { file: string; line: number } }

export interface ShowResult {
  inventory: string
  district: { code: string; name: string }
  /** The filters as resolved (town codes, station ids); null when showing everything. */
  filter: { towns: string[]; stations: string[] } | null
  totals: Totals
  /** Totals against district.programme; only for the whole district (null when filtered). */
  programme: { year: number; rows: ProgrammeRow[]; ok: boolean } | null
  towns: TownSummary[]
  /** Full records of the stations named with --station. */
  stations?: StationRecord[]
  /** Loader warnings (the inventory still loaded). */
  warnings: InputProblem[]
}

export async function showInventory(opts: ShowOptions): Promise<ShowResult> {
  const { inventory, warnings } = await loadInventoryOrThrow(opts.inventoryDir)
  return summarise(inventory, opts, warnings)
}

/** The pure part of `inventory show`. */
export function summarise(inv: Inventory, opts: Omit<ShowOptions, 'inventoryDir'>, warnings: InputProblem[] = []): ShowResult {
  // By NBS code (the official order), not by file name.
  const towns = [...resolveTowns(inv, opts.towns)].sort((a, b) => a.code.localeCompare(b.code))
  const filtered = (opts.towns?.length ?? 0) > 0 || (opts.stations?.length ?? 0) > 0
  // include committees without a station: they are counted as "without station".
  const selected = selectStations(inv, { towns: opts.towns, stations: opts.stations, includeInactive: true })
  const totals = totalsOf(selected)
  const townSummaries = towns
    .map((t) => ({ t, mine: selected.filter((s) => s.town.code === t.code) }))
    .filter(({ mine }) => mine.length > 0)
    .map(({ t, mine }) => townSummary(t, mine))
  const rows = filtered ? null : compareWithProgramme(inv, totals)
  const result: ShowResult = {
    inventory: inv.dir,
    district: { code: inv.district.code, name: inv.district.name },
    filter: filtered ? { towns: towns.map((t) => t.code), stations: [...(opts.stations ?? [])] } : null,
    totals,
    programme: rows ? { year: inv.district.programme.year, rows, ok: rows.every((r) => r.ok) } : null,
    towns: townSummaries,
    warnings,
  }
  if (opts.stations && opts.stations.length > 0) result.stations = selected.map((s) => stationRecord(inv, s))
  return result
}

export function stationRecord(inv: Inventory, s: Station): StationRecord {
  const { source, ...rest } = s
  const pos = inv.positions.locate(source.file, ['stations', source.index])
  return { ...structuredClone(rest), source: { file: source.file, line: pos.line } }
}
