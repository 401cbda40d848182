import { UsageError } from '../cli/errors.js'
import type { Inventory, Station, Town } from './model.js'

/** `凤城街道` → `凤城`, `源潭镇` → `源潭`: people often say the town without its suffix. */
function shortName(name: string): string {
  return name.replace(/(街道办事处|街道|镇)$/u, '')
}

function townKeys(t: Town): string[] {
  return [t.code, t.code.slice(0, 9), t.slug, t.name, shortName(t.name), ...(t.officialName ? [t.officialName] : [])].map((k) => k.toLowerCase())
}

/**
 * The towns a `--town` filter names: the NBS code (12 or 9 digits), the slug, or the Chinese name
 * (with or without 街道/镇), case-insensitive. Pure; the one place filters are matched.
 */
export function matchTowns(inv: Inventory, filter: string): Town[] {
  const f = filter.trim().toLowerCase()
  return inv.towns.filter((t) => townKeys(t).includes(f))
}

export function describeTowns(inv: Inventory): string {
  return inv.towns.map((t) => `${t.code} ${t.slug} ${t.name}`).join(', ')
}

/**
 * The towns named by `--town` filters, in inventory order, each once. A filter
 * is the NBS code (12 or 9 digits), the slug, or the Chinese name (with or
 * without 街道/镇). No filters → every town. Pure.
 * @throws UsageError (exit 2) naming each unknown filter and listing the valid towns
 */
export function resolveTowns(inv: Inventory, filters: readonly string[] | undefined): Town[] {
  if (!filters || filters.length === 0) return [...inv.towns]
  const wanted = new Set<Town>()
  const unknown: string[] = []
  for (const raw of filters) {
    const hits = matchTowns(inv, raw)
    if (hits.length === 0) unknown.push(raw)
    for (const t of hits) wanted.add(t)
  }
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown town${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} in ${inv.dir}`,
      `--town takes an NBS code, slug or Chinese name. Valid towns: ${describeTowns(inv)}`,
    )
  }
  return inv.towns.filter((t) => wanted.has(t))
}

export interface StationFilter {
  /** `--town` values: code, slug or Chinese name. */
  towns?: readonly string[]
  /** `--station` values: 12-digit NBS codes. */
  stations?: readonly string[]
  /**
   * Also return committees without a station yet (`hasStation: false`).
   * Default false: rollouts, health and exports only touch real stations.
   * A station named explicitly in `stations` that has no station is an error unless this is set.
   */
  includeInactive?: boolean
}

/**
 * The stations selected by `--town` and `--station` (both must match when
 * both are given), in inventory order. No filters → every active station. Pure.
 * @throws UsageError (exit 2) for an unknown town or station id, a station
 *         outside the selected towns, or a named station that has no station yet
 */
export function selectStations(inv: Inventory, filter: StationFilter = {}): Station[] {
  const towns = new Set(resolveTowns(inv, filter.towns).map((t) => t.code))
  const ids = filter.stations && filter.stations.length > 0 ? new Set(filter.stations.map((s) => s.trim())) : undefined
  if (ids) {
    const byId = new Map(inv.stations.map((s) => [s.id, s]))
    const problems: string[] = []
    let inactive: Station | undefined
    for (const id of ids) {
      const s = byId.get(id)
      if (!s) problems.push(`station ${id} is not in the inventory${suggest(inv, id)}`)
      else if (!towns.has(s.town.code)) problems.push(`station ${id} (${s.name}) is in ${s.town.name}, not in the selected town(s)`)
      else if (!s.hasStation && !filter.includeInactive) {
        problems.push(`${s.name} (${id}) has no service station yet (hasStation: false)`)
        inactive ??= s
      }
    }
    if (problems.length > 0) {
      const hint = inactive
        ? `A committee without a service station is never rendered, pushed or checked: leave it out, or set hasStation: true for it in ${inactive.source.file} once its station exists.`
        : '--station takes the 12-digit NBS code of a station; `lastmile inventory show --town <town> --json` lists them.'
      throw new UsageError(problems.join('; '), hint)
    }
  }
  return inv.stations.filter((s) => towns.has(s.town.code) && (!ids || ids.has(s.id)) && (s.hasStation || filter.includeInactive === true))
}

function suggest(inv: Inventory, id: string): string {
  if (!/^\d{12}$/.test(id)) return ' (a station id is a 12-digit NBS code like 441802103203)'
  const town = inv.towns.find((t) => t.code.slice(0, 9) === id.slice(0, 9))
  if (!town) return ''
  const near = town.stations.filter((s) => s.id.slice(9, 10) === id.slice(9, 10)).slice(0, 5).map((s) => `${s.id} ${s.name}`)
  return near.length > 0 ? ` (${town.name} has e.g. ${near.join(', ')})` : ''
}
