import type { InputProblem } from '../cli/errors.js'
import { SecretResolver } from '../secrets/resolver.js'
import type { Inventory } from './model.js'
import { checkAddressing } from './cross-checks/addressing.js'
import { checkDevices } from './cross-checks/devices.js'
import { Findings, type CheckProblem } from './cross-checks/findings.js'
import { checkIdentity } from './cross-checks/identity.js'
import { checkOperators } from './cross-checks/operators.js'
import { checkSecrets, type SecretLookup } from './cross-checks/secrets.js'
import { checkWan } from './cross-checks/wan.js'
import { checkWifi } from './cross-checks/wifi.js'

export { requireSecrets, type SecretLookup, type StationSecrets } from './cross-checks/secrets.js'
export type { CheckProblem } from './cross-checks/findings.js'

export interface CrossCheckOptions {
  env: NodeJS.ProcessEnv
  /** Resolve secret refs (default true). `validate --no-secrets` turns it off. */
  secrets?: boolean
  /** Where secrets come from; default `SecretResolver.forInventory(inv.dir, {env})`. */
  resolver?: SecretLookup
}

/**
 * Rules no single-field schema can see: ids and codes, addressing, VLANs,
 * WiFi, WAN, fibre dates, devices, operator scopes, secrets. Returns every
 * problem (errors and warnings) with its file:line:col, sorted by place.
 * Each problem carries the `rule` id documented in docs/inventory.md.
 */
export async function crossCheck(inv: Inventory, opts: CrossCheckOptions): Promise<CheckProblem[]> {
  const f = new Findings(inv)
  checkIdentity(f)
  checkAddressing(f)
  checkWifi(f)
  checkWan(f)
  checkDevices(f)
  checkOperators(f)
  if (opts.secrets !== false) await checkSecrets(f, opts.resolver ?? SecretResolver.forInventory(inv.dir, { env: opts.env }))
  return sortProblems(f.problems)
}

/** Stable order: by file, then line, then column; problems without a place first. */
export function sortProblems<T extends InputProblem>(problems: readonly T[]): T[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const pa = a.p.position
      const pb = b.p.position
      if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0) || a.i - b.i
      return pa.file.localeCompare(pb.file) || pa.line - pb.line || pa.col - pb.col || a.i - b.i
    })
    .map((x) => x.p)
}
