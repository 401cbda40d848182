import { envNameForRef } from '../../secrets/resolver.js'
import path from 'node:path'
import { InvalidInputError, type InputProblem } from '../../cli/errors.js'
import { formatFieldPath } from '../loader.js'
import type { Secret } from '../../secrets/secret.js'
import type { SecretResolver } from '../../secrets/resolver.js'
import type { Inventory, Station } from '../model.js'
import { secretValueProblem, stationSecretRefs, type StationSecretRef } from '../secret-refs.js'
import type { Findings } from './findings.js'

/** Anything that turns a ref into a Secret: a SecretResolver, or a stand-in in tests. */
export type SecretLookup = Pick<SecretResolver, 'resolve'>

type Outcome = { secret: Secret } | { missing: true } | { failed: string }

async function lookup(resolver: SecretLookup, ref: string): Promise<Outcome> {
  try {
    const secret = await resolver.resolve(ref)
    return secret ? { secret } : { missing: true }
  } catch (err) {
    // e.g. secrets.age exists but the age identity is missing or wrong.
    return { failed: (err as Error).message }
  }
}

function missingMessage(inv: Inventory, r: StationSecretRef): string {
  return `secret ${r.ref} is not set: export ${r.env}, or add '${r.ref}: …' to ${path.join(inv.dir, 'secrets.age')} (age-encrypted YAML, see docs/inventory.md#secrets)`
}

/**
 * validate's secret rule: every ref of an active station resolves (a warning
 * when it does not: validate runs in places without secrets), and every
 * resolved value is usable on the station (an error when it is not).
 */
export async function checkSecrets(f: Findings, resolver: SecretLookup): Promise<void> {
  const failures = new Set<string>()
  const idKey = f.inv.district.configIdKey?.secret
  if (!idKey) {
    f.district([], 'warning', 'secrets.config-id-key', 'no configIdKey: config ids are plain hashes of the rendered files, and one printed in a report or journal lets anyone test guesses of a weak WiFi or PPPoE password offline; add `configIdKey: { secret: district/config-id-key }`')
  } else if ('missing' in (await lookup(resolver, idKey))) {
    f.district(['configIdKey', 'secret'], 'warning', 'secrets.unresolved', `secret ${idKey} is not set: export ${envNameForRef(idKey)}, or add it to secrets.age (rendering needs it)`)
  }
  for (const s of f.inv.stations) {
    if (!s.hasStation) continue
    for (const r of stationSecretRefs(s)) {
      const o = await lookup(resolver, r.ref)
      if ('failed' in o) {
        if (!failures.has(o.failed)) f.district([], 'warning', 'secrets.source', `cannot read secrets: ${o.failed}`)
        failures.add(o.failed)
        f.station(s, r.path, 'warning', 'secrets.unresolved', missingMessage(f.inv, r))
      } else if ('missing' in o) {
        f.station(s, r.path, 'warning', 'secrets.unresolved', missingMessage(f.inv, r))
      } else {
        const bad = secretValueProblem(r.kind, o.secret.reveal())
        if (bad) f.station(s, r.path, 'error', `secrets.${r.kind}`, `${bad} (secret ${r.ref})`)
      }
    }
  }
}

/** The resolved secrets of one station, by purpose and by ref. */
export interface StationSecrets {
  stationId: string
  /** wifi.staff.key, when the station has WiFi. */
  wifiStaffKey?: Secret
  /** wan.pppoe.password, when the WAN dials PPPoE. */
  pppoePassword?: Secret
  /** tunnel.privateKey (WireGuard). */
  tunnelPrivateKey: Secret
  byRef: Map<string, Secret>
}

/**
 * Resolves every secret the given stations need, for the renderer. All or
 * nothing: throws InvalidInputError (exit 3) listing *every* missing or
 * unusable ref (file:line, station, field, the env var to set) so one run
 * tells the operator everything to fix. Values are checked (WPA key length,
 * WireGuard key shape) but never put in a message.
 *
 * @param inv       the loaded inventory (for positions and the secrets.age path)
 * @param stations  the stations to render, e.g. from `selectStations`
 * @param resolver  usually `SecretResolver.forInventory(inv.dir, {env, lab})`
 * @returns         a map station id → StationSecrets, in the order of `stations`
 */
export async function requireSecrets(inv: Inventory, stations: readonly Station[], resolver: SecretLookup): Promise<Map<string, StationSecrets>> {
  const problems: InputProblem[] = []
  const out = new Map<string, StationSecrets>()
  for (const s of stations) {
    const byRef = new Map<string, Secret>()
    const entry: Partial<StationSecrets> = { stationId: s.id, byRef }
    for (const r of stationSecretRefs(s)) {
      const full = ['stations', s.source.index, ...r.path]
      // The position only for a problem: locating needs the file's YAML parsed.
      const problem = (message: string): InputProblem => ({ severity: 'error', station: s.id, field: formatFieldPath(full), position: inv.positions.locate(s.source.file, full), message })
      const o = await lookup(resolver, r.ref)
      if (!('secret' in o)) {
        problems.push(problem('failed' in o ? `${missingMessage(inv, r)} (reading secrets failed: ${o.failed})` : missingMessage(inv, r)))
        continue
      }
      const bad = secretValueProblem(r.kind, o.secret.reveal())
      if (bad) {
        problems.push(problem(`${bad} (secret ${r.ref})`))
        continue
      }
      byRef.set(r.ref, o.secret)
      if (r.kind === 'wifi-psk') entry.wifiStaffKey = o.secret
      else if (r.kind === 'pppoe-password') entry.pppoePassword = o.secret
      else entry.tunnelPrivateKey = o.secret
    }
    if (entry.tunnelPrivateKey) out.set(s.id, entry as StationSecrets)
  }
  if (problems.length > 0) {
    const n = problems.length
    throw new InvalidInputError(
      `${n} secret${n === 1 ? '' : 's'} needed by ${new Set(problems.map((p) => p.station)).size} station(s) ${n === 1 ? 'is' : 'are'} missing or unusable`,
      problems,
      `Set each LASTMILE_SECRET_… variable named above, or add the refs to ${path.join(inv.dir, 'secrets.age')}; then run \`lastmile inventory validate\`.`,
    )
  }
  return out
}
