import { loadInventoryOrThrow } from '../inventory/loader.js'
import { inventoryUnderLab, readLabTarget } from '../lab/target.js'
import { lastmileHome } from '../state/paths.js'
import { liveProbe, operatorIdentity, shippedAgentVersion } from './live.js'
import type { HealthResult } from './result.js'
import { runHealth } from './service.js'

export interface HealthCliOptions {
  inventoryDir: string
  /** true when --inventory was given (in the lab the lab's own inventory is used otherwise) */
  inventoryExplicit?: boolean
  towns?: string[]
  stations?: string[]
  lab?: boolean
  as?: string
  sinceMs?: number
  staleAfterMs?: number
  concurrency?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
  warn?: (text: string) => void
}

/** What the `health` command calls: load the inventory and the operator's key, then runHealth live. */
export async function healthFromCli(opts: HealthCliOptions): Promise<HealthResult> {
  const env = opts.env ?? process.env
  const home = lastmileHome(env, opts.cwd)
  const lab = opts.lab ? await readLabTarget(home) : undefined
  const dir = inventoryUnderLab(lab, opts.inventoryDir, opts.inventoryExplicit)
  const { inventory, warnings } = await loadInventoryOrThrow(dir)
  for (const w of warnings) opts.warn?.(w.message)
  const who = await operatorIdentity(inventory, env, lab)
  if (who.warning) opts.warn?.(who.warning)
  const agent = await shippedAgentVersion()
  return runHealth({
    inventory,
    identity: who.identity,
    ...(opts.towns ? { towns: opts.towns } : {}),
    ...(opts.stations ? { stations: opts.stations } : {}),
    ...(opts.as ? { as: opts.as } : {}),
    lab: Boolean(lab),
    home,
    probe: liveProbe({ inventory, home, ssh: who.ssh, ...(lab ? { lab } : {}), ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) }),
    ...(opts.sinceMs ? { sinceMs: opts.sinceMs } : {}),
    ...(opts.staleAfterMs ? { thresholds: { staleAfterMs: opts.staleAfterMs } } : {}),
    ...(agent ? { expectedAgentVersion: agent } : {}),
  })
}
