import path from 'node:path'
import * as pulumi from '@pulumi/pulumi'
import * as k8s from '@pulumi/kubernetes'
import { formatProblem, InvalidInputError } from '../cli/errors.js'
import { loadInventoryOrThrow } from '../inventory/loader.js'
import type { Inventory } from '../inventory/model.js'
import { activeStations } from '../inventory/model.js'
import { DistrictAccess, StationMonitoring, StationRegistry, SystemNamespace, TownAccess, TownNamespace, VideoPortal, WireguardHub } from './components/index.js'
import { PROJECT, cloudConfigSchema, type CloudConfig } from './config.js'
import { desiredState, validateDesired } from './desired/index.js'
import { townNamespace } from './desired/types.js'
import { PACKAGE_ROOT } from './paths.js'

/** The stack outputs (`pulumi stack output`); `outputsFromStack` maps them to CloudOutputs. */
export interface DistrictOutputs {
  hubEndpoint: pulumi.Output<string>
  /** Public key of the hub (public: stations pin it). */
  hubPublicKey: pulumi.Output<string>
  portalUrl: pulumi.Output<string>
  monitoringAddress: pulumi.Output<string>
  stationCount: number
}

export interface District {
  outputs: DistrictOutputs
  system: SystemNamespace
  districtAccess: DistrictAccess
  towns: Array<{ slug: string; namespace: TownNamespace; access: TownAccess; registry: StationRegistry }>
  hub: WireguardHub
  monitoring: StationMonitoring
  portal: VideoPortal
}

/**
 * The district's cloud side as Pulumi components, from the desired state.
 * Synchronous and free of I/O: the program entry reads config and the
 * inventory, tests call this with mocks.
 */
export function createDistrict(inv: Inventory, config: CloudConfig, opts: { provider?: pulumi.ProviderResource } = {}): District {
  const state = desiredState(inv, config)
  // Fail the preview with the object and field at fault, rather than with an API server error half way through.
  const problems = validateDesired(state.objects)
  if (problems.length > 0) throw new pulumi.RunError(`desired objects are not valid:\n${problems.map((p) => `  ${p.object}${p.field ? ` ${p.field}` : ''}: ${p.message}`).join('\n')}`)
  const copts: pulumi.ComponentResourceOptions = opts.provider ? { provider: opts.provider } : {}
  const [systemNs] = state.parts.system
  if (!systemNs) throw new Error('desired state without the system namespace')

  const system = new SystemNamespace('lastmile-system', { namespace: systemNs }, copts)
  const districtAccess = new DistrictAccess('district-access', { systemNamespace: system.namespaceName, objects: state.parts.districtAccess }, copts)
  const towns = state.parts.towns.map((t) => {
    const base = `town-${t.town.slug}`
    const namespace = new TownNamespace(base, { town: t.town, objects: t.namespace }, copts)
    const access = new TownAccess(`${base}-access`, { town: t.town, namespace: namespace.namespaceName, objects: t.access }, copts)
    const registry = new StationRegistry(`${base}-registry`, { town: t.town, namespace: namespace.namespaceName, objects: t.registry }, copts)
    return { slug: t.town.slug, namespace, access, registry }
  })
  const hub = new WireguardHub('wireguard-hub', { namespace: system.namespaceName, objects: state.parts.hub, publicEndpoint: state.outputs.hub.endpoint, publicKey: state.outputs.hub.publicKey }, copts)
  const monitoring = new StationMonitoring('monitoring', { namespace: system.namespaceName, objects: state.parts.monitoring, address: state.outputs.monitoring.address }, copts)
  const portal = new VideoPortal(
    'video-portal',
    {
      namespace: system.namespaceName,
      townNamespaces: Object.fromEntries(towns.map((t) => [townNamespace(t), t.namespace.namespaceName])),
      objects: state.parts.portal,
      townObjects: state.parts.towns.flatMap((t) => t.portal),
      url: state.outputs.portal.url,
    },
    copts,
  )
  return {
    outputs: {
      hubEndpoint: hub.endpoint,
      hubPublicKey: hub.publicKey,
      portalUrl: portal.url,
      monitoringAddress: monitoring.address,
      stationCount: activeStations(inv).length,
    },
    system,
    districtAccess,
    towns,
    hub,
    monitoring,
    portal,
  }
}

/** Stack config (`lastmile-district:*`) through the one schema `infra render` uses too. */
export function readStackConfig(): CloudConfig {
  const cfg = new pulumi.Config(PROJECT)
  const raw: Record<string, unknown> = {}
  for (const key of ['inventory', 'kubeContext'] as const) {
    const v = cfg.get(key)
    if (v !== undefined) raw[key] = v
  }
  for (const key of ['images', 'hub', 'secretStore', 'portal', 'monitoring'] as const) {
    const v = cfg.getObject<unknown>(key)
    if (v !== undefined) raw[key] = v
  }
  const parsed = cloudConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${PROJECT}:${i.path.join('.')}: ${i.message}`)
    throw new pulumi.RunError(`the stack config ${pulumi.getStack()} is not valid:\n${lines.join('\n')}`)
  }
  return parsed.data
}

/**
 * The program entry (stacks/district/index.ts): config, inventory, provider,
 * components. `LASTMILE_INVENTORY` (set by `lastmile infra …` from --inventory)
 * wins over the stack config's `inventory`, which is relative to the repository.
 */
export async function runDistrictProgram(env: NodeJS.ProcessEnv = process.env, root: string = PACKAGE_ROOT): Promise<DistrictOutputs> {
  const config = readStackConfig()
  const dir = env.LASTMILE_INVENTORY ?? path.resolve(root, config.inventory)
  let inventory: Inventory
  try {
    inventory = (await loadInventoryOrThrow(dir)).inventory
  } catch (err) {
    if (err instanceof InvalidInputError) throw new pulumi.RunError(`${err.message}:\n${err.problems.map(formatProblem).join('\n')}\nRun \`lastmile inventory validate --inventory ${dir}\`.`)
    throw err
  }
  let provider: k8s.Provider | undefined
  if (config.kubeContext) provider = new k8s.Provider('kubernetes', { context: config.kubeContext })
  else pulumi.log.warn(`no ${PROJECT}:kubeContext in Pulumi.${pulumi.getStack()}.yaml: deploying to the current kubectl context`)
  return createDistrict(inventory, config, provider ? { provider } : {}).outputs
}
