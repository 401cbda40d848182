import { InvalidInputError, type InputProblem } from '../cli/errors.js'
import type { Inventory, Station, Town } from '../inventory/model.js'
import { matchTowns } from '../inventory/select.js'

/** Who is asking, as the SSH key says (src/ssh/credentials.ts `resolveIdentity`). */
export interface Identity {
  operator?: string
  /** town codes the operator may see, or all of them (district operators) */
  towns: 'all' | string[]
}

export interface ScopeRequest {
  inventory: Inventory
  identity: Identity
  /** --town values: NBS code, slug or Chinese name */
  towns?: string[]
  /** --station ids */
  stations?: string[]
  /** --as: view as this operator; must be the key's operator, or narrow a district key */
  as?: string
}

export interface Scope {
  operator?: string
  allowed: 'all' | string[]
  towns: Town[]
  stations: Station[]
}

/**
 * Per-town scoping: a town operator sees only their towns' stations. Asking
 * for anything else is refused (exit 3) with the operator and their towns
 * named — never silently filtered, so nobody mistakes "not shown" for "fine".
 */
export function resolveScope(req: ScopeRequest): Scope {
  const inv = req.inventory
  const identity = applyAs(inv, req.identity, req.as)
  const who = describeOperator(inv, identity)
  if (identity.towns !== 'all' && identity.towns.length === 0) {
    throw new InvalidInputError(`${who} may not see any town`, [{ severity: 'error', message: `${who} has no towns in operators.yaml` }], 'Ask the district admin (区信息中心) to add your towns to your entry in operators.yaml.')
  }
  const allowed = identity.towns === 'all' ? undefined : new Set(identity.towns)
  const problems: InputProblem[] = []

  const asked: Town[] = []
  for (const q of req.towns ?? []) {
    const town = findTown(inv, q)
    if (!town) {
      problems.push({ severity: 'error', field: '--town', message: `no town '${q}' in ${inv.dir} (towns: ${inv.towns.map((t) => `${t.name} ${t.slug}`).join(', ')})` })
      continue
    }
    if (allowed && !allowed.has(town.code)) {
      problems.push({ severity: 'error', field: '--town', message: `${who} may not see ${town.name} (${town.slug}, ${town.code})` })
      continue
    }
    if (!asked.includes(town)) asked.push(town)
  }
  const askedStations: Station[] = []
  for (const id of req.stations ?? []) {
    const station = inv.stations.find((s) => s.id === id)
    if (!station) {
      problems.push({ severity: 'error', field: '--station', message: `no station '${id}' in ${inv.dir}` })
      continue
    }
    if (allowed && !allowed.has(station.town.code)) {
      problems.push({ severity: 'error', field: '--station', station: id, message: `${who} may not see station ${id} ${station.name} (in ${station.town.name}, ${station.town.slug})` })
      continue
    }
    if (!station.hasStation) {
      problems.push({ severity: 'error', field: '--station', station: id, message: `${id} ${station.name} has no service station yet (hasStation: false)` })
      continue
    }
    if (!askedStations.includes(station)) askedStations.push(station)
  }
  // --town and --station together: each station must be in one of the towns (never an empty result).
  if (asked.length > 0) {
    for (const s of askedStations) {
      if (!asked.some((t) => t.code === s.town.code)) {
        problems.push({ severity: 'error', field: '--station', station: s.id, message: `station ${s.id} ${s.name} is in ${s.town.name} (${s.town.slug}), not in the selected town(s) ${asked.map((t) => t.name).join(', ')}` })
      }
    }
  }
  if (problems.length > 0) {
    const refused = problems.some((p) => p.message.includes(' may not see '))
    throw new InvalidInputError(
      refused ? `${who} may only see ${allowedText(inv, identity)}; refused: ${problems.map((p) => p.message.replace(/^.* may not see /, '')).join('; ')}` : `${problems.length} town or station filter${problems.length === 1 ? '' : 's'} cannot be used: ${problems.map((p) => p.message).join('; ')}`,
      problems,
      refused
        ? 'Leave out --town/--station to see your own towns. Another town is its own admins\' to check; ask the district admin (区信息中心) if you need access.'
        : 'Check the spelling: towns by NBS code, pinyin slug or Chinese name; stations by their 12-digit id.',
    )
  }

  const inScope = (t: Town): boolean => !allowed || allowed.has(t.code)
  const towns = asked.length > 0 ? asked : inv.towns.filter(inScope)
  let stations: Station[]
  if (askedStations.length > 0) {
    stations = askedStations
  } else {
    stations = towns.flatMap((t) => t.stations).filter((s) => s.hasStation)
  }
  const townsOfStations = askedStations.length > 0 ? inv.towns.filter((t) => stations.some((s) => s.town.code === t.code)) : towns
  return {
    ...(identity.operator ? { operator: identity.operator } : {}),
    allowed: identity.towns,
    towns: townsOfStations,
    stations,
  }
}

function applyAs(inv: Inventory, identity: Identity, as: string | undefined): Identity {
  if (as === undefined || as === identity.operator) return identity
  const target = inv.operators.find((o) => o.id === as)
  const who = describeOperator(inv, identity)
  if (!target) {
    throw new InvalidInputError(`--as ${as}: no such operator`, [{ severity: 'error', field: '--as', message: `no operator '${as}' in operators.yaml (operators: ${inv.operators.map((o) => o.id).join(', ')})` }], 'Give an operator id from operators.yaml.')
  }
  // Narrowing a district key to a town's view is safe (it only hides); anything else must be the key's own operator.
  if (identity.towns !== 'all') {
    throw new InvalidInputError(`--as ${as} does not match your SSH key, which belongs to ${who}`, [{ severity: 'error', field: '--as', message: `your SSH key belongs to ${who}, not to ${as}` }], 'Leave out --as (your key already says who you are), or use the key of that operator.')
  }
  return { operator: target.id, towns: target.role === 'district' ? 'all' : target.towns }
}

export function describeOperator(inv: Inventory, identity: Identity): string {
  const op = identity.operator ? inv.operators.find((o) => o.id === identity.operator) : undefined
  if (!identity.operator) return 'this SSH key (no operator in operators.yaml)'
  return op ? `operator ${op.id} (${op.name})` : `operator ${identity.operator}`
}

function allowedText(inv: Inventory, identity: Identity): string {
  if (identity.towns === 'all') return 'all towns'
  return identity.towns
    .map((code) => {
      const t = inv.towns.find((x) => x.code === code)
      return t ? `${t.name} (${t.slug}, ${t.code})` : code
    })
    .join(', ')
}

/** The town a --town filter names, the way every command matches it (inventory/select.ts). */
export function findTown(inv: Inventory, q: string): Town | undefined {
  return matchTowns(inv, q)[0]
}
