import type { InputProblem } from '../cli/errors.js'
import type { CloudOutputs } from '../cloud/outputs.js'
import type { SecretLookup } from '../inventory/cross-checks.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import { inventoryUnderLab, readLabTarget, type LabTarget } from '../lab/target.js'
import type { Inventory, Station } from '../inventory/model.js'
import { planChannels24 } from '../render/channels.js'
import { renderAll } from '../render/render-all.js'
import { MASKED_SECRET_RE } from '../render/secret-value.js'
import type { RenderedStation } from '../render/station.js'
import type { AppliedRecord } from '../state/applied-store.js'
import { loadFingerprintKey } from '../state/fingerprint-key.js'
import { lastmileHome } from '../state/paths.js'
import { localAppliedSource, type AppliedStateSource } from './applied-source.js'
import { unifiedDiff } from './diff.js'

export type FileChange = 'added' | 'changed' | 'unchanged' | 'removed'
export type StationState = 'new' | 'changed' | 'unchanged'
export type SecretStatus = 'changed' | 'unchanged'

export interface FilePlan {
  path: string
  change: FileChange
  /** planned mode (the applied one for a removed file) */
  mode: string
  /** the applied mode when it differs, else null */
  previousMode: string | null
  reload: string
  /** unified diff of the masked contents; null when unchanged */
  diff: string | null
  /** the secrets in the planned file and whether their values changed (HMAC comparison) */
  secrets: Array<{ ref: string; status: SecretStatus }>
}

export interface StationPlan {
  id: string
  name: string
  town: { code: string; name: string; slug: string }
  configId: string
  appliedConfigId: string | null
  appliedAt: string | null
  state: StationState
  files: FilePlan[]
}

export interface TownPlanSummary {
  code: string
  name: string
  slug: string
  stations: number
  new: number
  changed: number
  unchanged: number
}

export interface PlanResult {
  inventory: string
  /** where the applied side came from */
  source: string
  totals: { stations: number; new: number; changed: number; unchanged: number }
  towns: TownPlanSummary[]
  stations: StationPlan[]
  /** inventory and channel-plan warnings (the command prints them) */
  warnings: InputProblem[]
}

/** What a plan hands a source factory: the inventory and lab it already loaded, so the source does not load them again. */
export interface PlanSourceContext {
  inventory: Inventory
  /** the stations the plan rendered, in order */
  stationIds: string[]
  /** the stations named with --station (under --lab, one the lab does not run is refused) */
  named: readonly string[]
  home: string
  env: NodeJS.ProcessEnv
  /** --lab was given */
  underLab: boolean
  /** the running lab, when --lab and one runs */
  lab?: LabTarget
}

export interface PlanOptions {
  inventoryDir: string
  /** the user gave the inventory (--inventory, LASTMILE_INVENTORY): under --lab it is used even when a lab runs another */
  inventoryExplicit?: boolean
  towns?: readonly string[]
  stations?: readonly string[]
  lab?: boolean
  env?: NodeJS.ProcessEnv
  /** lastmile home (default `lastmileHome(env)`) */
  home?: string
  /**
   * The applied side: a source, or a function that makes one once the
   * inventory is loaded and the stations are known (e.g. `--live` probing
   * exactly the selected stations). Default: the local records under home.
   */
  source?: AppliedStateSource | ((ctx: PlanSourceContext) => AppliedStateSource | Promise<AppliedStateSource>)
  /** the cloud side the stations are rendered against (default: the stack's outputs, as push and rollout use them) */
  cloud?: CloudOutputs
  /** Pulumi stack whose outputs the configs use (default lab with --lab, else prod) */
  stack?: string
  templatesDir?: string
  resolver?: SecretLookup
}

/**
 * What a rollout would change: renders the selected stations (real and
 * masked), compares each with its applied state, diffs the masked contents.
 * Secret values never enter the result: secret lines show as
 * `‹secret› (changed)` / `‹secret› (unchanged)` by HMAC comparison.
 */
export async function planStations(opts: PlanOptions): Promise<PlanResult> {
  const env = opts.env ?? process.env
  const home = opts.home ?? lastmileHome(env)
  // Under --lab, the running lab's stations (as push --lab would push them); without a running
  // lab, --lab still means the lab's practice secrets and stack, on the inventory given. An
  // explicit inventory is used even while a lab runs (inventoryUnderLab), yet the lab's
  // addresses still matter to a --live source.
  const lab = opts.lab ? await readLabTarget(home).catch(() => undefined) : undefined
  const inventoryDir = inventoryUnderLab(lab, opts.inventoryDir, opts.inventoryExplicit)
  const { inventory: inv, warnings } = await loadInventoryOrThrow(inventoryDir)
  const key = await loadFingerprintKey(home, { create: true })
  let cloud = opts.cloud
  if (!cloud) {
    // The same cloud values push and rollout render with, so the plan shows what they would ship.
    const { stationCloudOutputs } = await import('../cloud/station-outputs.js')
    const r = await stationCloudOutputs({ inventory: inv, stack: opts.stack ?? (opts.lab ? 'lab' : 'prod'), lab: Boolean(opts.lab), env })
    cloud = r.outputs
    if (r.notice) warnings.push({ severity: 'warning', message: r.notice })
  }
  const rendered = await renderAll(inv, { towns: opts.towns, stations: opts.stations, lab: opts.lab, env, resolver: opts.resolver, templatesDir: opts.templatesDir, cloud, masked: true, fingerprintKey: key })
  const source =
    typeof opts.source === 'function'
      ? await opts.source({ inventory: inv, stationIds: rendered.map((r) => r.stationId), named: opts.stations ?? [], home, env, underLab: Boolean(opts.lab), ...(lab ? { lab } : {}) })
      : (opts.source ?? localAppliedSource(home))
  const byId = new Map(inv.stations.map((s) => [s.id, s]))
  const stations: StationPlan[] = []
  for (const r of rendered) stations.push(planStation(byId.get(r.stationId)!, r, await source.get(r.stationId)))
  const selected = new Set(rendered.map((r) => r.stationId))
  const channel = planChannels24(inv.stations, { positions: inv.positions }).problems.filter((p) => p.station && selected.has(p.station))
  const fromSource = (source.warnings ?? []).map((message) => ({ severity: 'warning' as const, message }))
  return { inventory: inventoryDir, source: source.name, ...summarise(inv, stations), stations, warnings: [...warnings, ...fromSource, ...channel] }
}

/** One station's plan: pure. `rendered` must carry masked contents and fingerprints. */
export function planStation(station: Pick<Station, 'id' | 'name' | 'town'>, rendered: RenderedStation, applied: AppliedRecord | undefined): StationPlan {
  const fp = rendered.secretFingerprints ?? {}
  const oldFiles = new Map((applied?.files ?? []).map((f) => [f.path, f]))
  // A secret in a file whose bytes are unchanged is unchanged, whatever the fingerprints say
  // (e.g. the fingerprint key was replaced since the record was written).
  const sameBytes = new Set(rendered.files.filter((f) => oldFiles.get(f.path)?.sha256 === f.sha256).flatMap((f) => f.secretFields))
  const status = (ref: string): SecretStatus => (sameBytes.has(ref) || (applied?.secretFingerprints[ref] !== undefined && applied.secretFingerprints[ref] === fp[ref]) ? 'unchanged' : 'changed')
  const files: FilePlan[] = []
  for (const f of rendered.files) {
    const old = oldFiles.get(f.path)
    const secrets = f.secretFields.map((ref) => ({ ref, status: status(ref) }))
    const change: FileChange = !old ? 'added' : old.sha256 !== f.sha256 || normMode(old.mode) !== normMode(f.mode) ? 'changed' : 'unchanged'
    const before = old ? (applied!.maskedFiles[f.path] ?? '') : ''
    const modeChanged = old !== undefined && normMode(old.mode) !== normMode(f.mode)
    let diff: string | null = null
    if (change !== 'unchanged') {
      const labels = { oldLabel: old ? `${f.path} (applied ${applied!.configId})` : '/dev/null', newLabel: `${f.path} (planned ${rendered.configId})` }
      diff = unifiedDiff(showSecrets(before, status, 'old'), showSecrets(f.maskedContent ?? '', status, 'new'), labels)
      if (modeChanged) diff = `mode ${old.mode} → ${f.mode}\n${diff}`
      // Only possible when the record has no fingerprint for a secret that changed.
      if (diff === '') diff = 'the content differs from the applied record only in secret values\n'
    }
    files.push({ path: f.path, change, mode: f.mode, previousMode: modeChanged ? old.mode : null, reload: f.reload, diff, secrets })
  }
  const planned = new Set(rendered.files.map((f) => f.path))
  for (const old of applied?.files ?? []) {
    if (planned.has(old.path)) continue
    const before = applied!.maskedFiles[old.path] ?? ''
    files.push({ path: old.path, change: 'removed', mode: old.mode, previousMode: null, reload: '-', diff: unifiedDiff(showSecrets(before, status, 'old'), '', { oldLabel: `${old.path} (applied ${applied!.configId})`, newLabel: '/dev/null' }) || null, secrets: [] })
  }
  const state: StationState = !applied ? 'new' : applied.configId === rendered.configId && files.every((f) => f.change === 'unchanged') ? 'unchanged' : 'changed'
  return { id: station.id, name: station.name, town: { code: station.town.code, name: station.town.name, slug: station.town.slug }, configId: rendered.configId, appliedConfigId: applied?.configId ?? null, appliedAt: applied?.appliedAt ?? null, state, files }
}

/**
 * The masked marker `‹secret:<ref>›` as people read it in a diff. The new side
 * says whether the value changed; the old side says `‹secret›` for a changed
 * value, so the line shows up as -/+; an unchanged value reads the same on
 * both sides and stays a context line.
 */
function showSecrets(masked: string, status: (ref: string) => SecretStatus, side: 'old' | 'new'): string {
  return masked.replace(MASKED_SECRET_RE, (_m, ref: string) => {
    const s = status(ref)
    return side === 'new' || s === 'unchanged' ? `‹secret› (${s})` : '‹secret›'
  })
}

function normMode(m: string): string {
  return m.padStart(4, '0')
}

function summarise(inv: Inventory, stations: StationPlan[]): Pick<PlanResult, 'totals' | 'towns'> {
  const towns: TownPlanSummary[] = []
  for (const t of inv.towns) {
    const mine = stations.filter((s) => s.town.code === t.code)
    if (mine.length === 0) continue
    towns.push({ code: t.code, name: t.name, slug: t.slug, stations: mine.length, new: count(mine, 'new'), changed: count(mine, 'changed'), unchanged: count(mine, 'unchanged') })
  }
  return { totals: { stations: stations.length, new: count(stations, 'new'), changed: count(stations, 'changed'), unchanged: count(stations, 'unchanged') }, towns }
}

function count(list: StationPlan[], state: StationState): number {
  return list.filter((s) => s.state === state).length
}
