/**
 * The Ansible side gets exactly the values lastmile renders from: for each
 * station, lastmile's own template context (render/context.js
 * buildTemplateContext, mode `real`) with the cloud outputs `push --lab` uses
 * (rollout/seams.js defaultCloudStep) and the same lab secret values
 * (SecretResolver with `lab: true`), serialised as JSON host_vars. Secrets are
 * written in clear into these files: they are the lab's deterministic practice
 * values, and the host_vars folder lives in the benchmark's scratch directory.
 *
 * The modules are loaded from the lastmile build under test (the benchmark's
 * copy of dist/), not from src/: the values must be the ones the CLI being
 * measured renders, even while src/ moves on. Tests load src/ instead.
 *
 * The same modules render the expected files, so the identity check compares
 * both tools against lastmile's renderer too.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { CloudOutputs } from '../../src/cloud/outputs.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import type { Platform } from '../../src/render/platform.js'
import type { Secret } from '../../src/secrets/secret.js'
import type * as LoaderNS from '../../src/inventory/loader.js'
import type * as SelectNS from '../../src/inventory/select.js'
import type * as CrossChecksNS from '../../src/inventory/cross-checks.js'
import type * as ContextNS from '../../src/render/context.js'
import type * as PlatformNS from '../../src/render/platform.js'
import type * as RenderAllNS from '../../src/render/render-all.js'
import type * as SecretValueNS from '../../src/render/secret-value.js'
import type * as SeamsNS from '../../src/rollout/seams.js'
import type * as ResolverNS from '../../src/secrets/resolver.js'

type LoaderModule = typeof LoaderNS
type SelectModule = typeof SelectNS
type CrossChecksModule = typeof CrossChecksNS
type ContextModule = typeof ContextNS
type PlatformModule = typeof PlatformNS
type RenderAllModule = typeof RenderAllNS
type SecretValueModule = typeof SecretValueNS
type SeamsModule = typeof SeamsNS
type ResolverModule = typeof ResolverNS

/** The parts of lastmile the exporter uses, from one build. */
export interface LastmileModules {
  root: string
  loader: LoaderModule
  select: SelectModule
  crossChecks: CrossChecksModule
  context: ContextModule
  platform: PlatformModule
  renderAll: RenderAllModule
  secretValue: SecretValueModule
  seams: SeamsModule
  resolver: ResolverModule
}

/** `dist`: <root>/dist/**.js (a built package); `src`: <root>/src/**.ts (under tsx, tests). */
export async function loadLastmile(root: string, from: 'dist' | 'src'): Promise<LastmileModules> {
  const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(path.join(root, from, from === 'dist' ? `${rel}.js` : `${rel}.ts`)).href)) as T
  return {
    root,
    loader: await load<LoaderModule>('inventory/loader'),
    select: await load<SelectModule>('inventory/select'),
    crossChecks: await load<CrossChecksModule>('inventory/cross-checks'),
    context: await load<ContextModule>('render/context'),
    platform: await load<PlatformModule>('render/platform'),
    renderAll: await load<RenderAllModule>('render/render-all'),
    secretValue: await load<SecretValueModule>('render/secret-value'),
    seams: await load<SeamsModule>('rollout/seams'),
    resolver: await load<ResolverModule>('secrets/resolver'),
  }
}

export interface StationContexts {
  inventory: Inventory
  stations: Station[]
  cloud: CloudOutputs
  /** station id → the template context as plain JSON-able data (secrets revealed) */
  contexts: Map<string, Record<string, unknown>>
}

/** Replaces every secret drop by its text (JSON.stringify alone would print the masked marker). */
export function contextToJson(context: Record<string, unknown>, isSecret: (v: unknown) => v is { text(): string }): string {
  return JSON.stringify(
    context,
    function (this: Record<string, unknown>, key: string, value: unknown) {
      const original = this[key]
      return isSecret(original) ? original.text() : value
    },
    2,
  )
}

export interface ExportOptions {
  env?: NodeJS.ProcessEnv
  /** a scratch LASTMILE_HOME for the cloud step (the lab renders its cloud objects there) */
  home: string
  /** whose cloud outputs: `push` (configs only) or `rollout` (the lab renders the cloud side first) */
  command?: 'push' | 'rollout'
}

async function cloudOutputs(lm: LastmileModules, inventory: Inventory, o: ExportOptions): Promise<CloudOutputs> {
  const step = await lm.seams.defaultCloudStep()
  // Older builds' cloud step ignores `command`; newer ones decide by it.
  const args = { inventory, env: o.env ?? process.env, lab: true, home: o.home, command: o.command ?? 'push' } as Parameters<typeof step>[0]
  return (await step(args)).outputs
}

/** lastmile's render context of every selected station, as `push --lab` would build it. */
export async function stationContexts(lm: LastmileModules, inventoryDir: string, stationIds: readonly string[], o: ExportOptions): Promise<StationContexts> {
  const env = o.env ?? process.env
  const { inventory } = await lm.loader.loadInventoryOrThrow(inventoryDir)
  const stations = lm.select.selectStations(inventory, { stations: [...stationIds] })
  const resolver = lm.resolver.SecretResolver.forInventory(inventory.dir, { lab: true, env })
  const secrets = await lm.crossChecks.requireSecrets(inventory, stations, resolver)
  const cloud = await cloudOutputs(lm, inventory, o)
  const platforms = new Map<string, Platform>()
  const contexts = new Map<string, Record<string, unknown>>()
  const SecretValue = lm.secretValue.SecretValue
  const isSecret = (v: unknown): v is { text(): string } => v instanceof SecretValue
  for (const s of stations) {
    let platform = platforms.get(s.platform)
    if (!platform) {
      platform = await lm.platform.loadPlatform(s.platform)
      platforms.set(s.platform, platform)
    }
    const ctx = lm.context.buildTemplateContext(
      { platform, station: s, district: inventory.district, operators: inventory.operators, cloud, secrets: secrets.get(s.id)?.byRef ?? new Map<string, Secret>() },
      'real',
      new lm.secretValue.SecretUse(),
    )
    contexts.set(s.id, JSON.parse(contextToJson(ctx, isSecret)) as Record<string, unknown>)
  }
  return { inventory, stations, cloud, contexts }
}

/** Writes `<dir>/<station id>.json` per station: the context plus `station_root`. */
export async function writeHostVars(dir: string, contexts: StationContexts, roots: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const [id, ctx] of contexts.contexts) {
    const root = roots.get(id)
    if (!root) throw new Error(`no station root for ${id}`)
    await writeFile(path.join(dir, `${id}.json`), JSON.stringify({ ...ctx, station_root: root }, null, 1) + '\n', { mode: 0o600 })
  }
}

export interface ExpectedFile {
  sha256: string
  mode: string
}

/** What lastmile's renderer says every station should hold: id → path → sha256/mode. */
export async function expectedFiles(lm: LastmileModules, inventoryDir: string, stationIds: readonly string[], o: ExportOptions): Promise<Map<string, Map<string, ExpectedFile>>> {
  const env = o.env ?? process.env
  const { inventory } = await lm.loader.loadInventoryOrThrow(inventoryDir)
  const cloud = await cloudOutputs(lm, inventory, o)
  const rendered = await lm.renderAll.renderAll(inventory, { stations: [...stationIds], lab: true, env, cloud })
  return new Map(rendered.map((r) => [r.stationId, new Map(r.files.map((f) => [f.path, { sha256: f.sha256, mode: f.mode }]))]))
}
