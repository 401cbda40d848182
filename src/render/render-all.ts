import { InvalidInputError, type InputProblem } from '../cli/errors.js'
import { outputsFromInventory, type CloudOutputs } from '../cloud/outputs.js'
import { requireSecrets, type SecretLookup } from '../inventory/cross-checks.js'
import type { Inventory } from '../inventory/model.js'
import { selectStations } from '../inventory/select.js'
import { SecretResolver, envNameForRef } from '../secrets/resolver.js'
import path from 'node:path'
import type { Secret } from '../secrets/secret.js'
import { loadPlatform, type Platform } from './platform.js'
import { renderStation, type RenderedStation } from './station.js'

export interface RenderAllOptions {
  /** `--town` filters (code, slug or Chinese name) */
  towns?: readonly string[]
  /** `--station` ids */
  stations?: readonly string[]
  /** use the lab's practice secret values for refs no other source has */
  lab?: boolean
  env?: NodeJS.ProcessEnv
  /** default `SecretResolver.forInventory(inv.dir, {lab, env})` */
  resolver?: SecretLookup
  /** default the package's templates/ */
  templatesDir?: string
  /** default `outputsFromInventory(inv)` (the Pulumi stack's outputs once there is one) */
  cloud?: CloudOutputs
  /** also render the masked view of each file */
  masked?: boolean
  /** compute secret fingerprints with this key */
  fingerprintKey?: Buffer
}

/**
 * Renders every selected station (only those with hasStation; `--town` and
 * `--station` narrow it), in inventory order. Resolves all secrets first and
 * fails with the full list of missing ones; then renders every station and
 * fails with every problem of every station (the same template error in many
 * stations is reported once, with the count).
 */
export async function renderAll(inv: Inventory, opts: RenderAllOptions = {}): Promise<RenderedStation[]> {
  const stations = selectStations(inv, { towns: opts.towns, stations: opts.stations })
  const resolver = opts.resolver ?? SecretResolver.forInventory(inv.dir, { lab: opts.lab, env: opts.env })
  const secrets = await requireSecrets(inv, stations, resolver)
  const configIdKey = await resolveConfigIdKey(inv, resolver)
  const cloud = opts.cloud ?? outputsFromInventory(inv)
  const platforms = new Map<string, Platform>()
  for (const name of new Set(stations.map((s) => s.platform))) platforms.set(name, await loadPlatform(name, opts.templatesDir))

  const out: RenderedStation[] = []
  const problems: InputProblem[] = []
  for (const s of stations) {
    try {
      out.push(
        renderStation(
          { platform: platforms.get(s.platform)!, station: s, district: inv.district, operators: inv.operators, cloud, secrets: secrets.get(s.id)?.byRef ?? new Map<string, Secret>(), positions: inv.positions },
          { masked: opts.masked, fingerprintKey: opts.fingerprintKey, ...(configIdKey ? { configIdKey } : {}) },
        ),
      )
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err
      problems.push(...err.problems)
    }
  }
  if (problems.some((p) => p.severity === 'error')) {
    const merged = mergeRepeats(problems)
    const n = new Set(problems.map((p) => p.station)).size
    throw new InvalidInputError(`${n} station${n === 1 ? '' : 's'} cannot be rendered`, merged, 'Fix each file:line above (an inventory line, or a template line:col), then render again.')
  }
  return out
}

/** The same template error in 152 stations is one problem "(and 151 more stations)". */
export function mergeRepeats(problems: readonly InputProblem[]): InputProblem[] {
  const groups = new Map<string, { first: InputProblem; stations: string[] }>()
  for (const p of problems) {
    const key = JSON.stringify([p.position?.file, p.position?.line, p.position?.col, p.field, p.message, p.severity])
    const g = groups.get(key)
    if (g) g.stations.push(p.station ?? '')
    else groups.set(key, { first: p, stations: [] })
  }
  return [...groups.values()].map(({ first, stations }) =>
    stations.length === 0 ? first : { ...first, message: `${first.message} (also in ${stations.length} more station${stations.length === 1 ? '' : 's'}: ${stations.slice(0, 3).join(', ')}${stations.length > 3 ? ', …' : ''})` },
  )
}

/**
 * The district's config-id key, when district.yaml names one. Missing is an
 * error like any other missing secret: ids computed without it would differ
 * from those computed on a machine that has it.
 */
async function resolveConfigIdKey(inv: Inventory, resolver: SecretLookup): Promise<Buffer | undefined> {
  const ref = inv.district.configIdKey?.secret
  if (!ref) return undefined
  const secret = await resolver.resolve(ref)
  if (secret) return Buffer.from(secret.reveal(), 'utf8')
  const file = path.join(inv.dir, 'district.yaml')
  throw new InvalidInputError('the config-id key is not set', [
    {
      severity: 'error',
      field: 'district.configIdKey.secret',
      position: inv.positions.locate(file, ['district', 'configIdKey', 'secret']),
      message: `secret ${ref} is not set: export ${envNameForRef(ref)}, or add '${ref}: …' to ${path.join(inv.dir, 'secrets.age')}`,
    },
  ], 'Every machine that renders must use the same key (config ids are HMACs under it). With --lab a practice value is used.')
}
