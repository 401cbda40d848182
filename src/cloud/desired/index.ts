import type { Inventory } from '../../inventory/model.js'
import type { CloudConfig } from '../config.js'
import { outputsFromInventory, type CloudOutputs } from '../outputs.js'
import { monitoringObjects } from './monitoring.js'
import { systemNamespace, townNamespaceObject } from './namespaces.js'
import { townNetworkPolicies } from './network-policy.js'
import { portalSystemObjects, portalTownObjects } from './portal.js'
import { districtAccessObjects, townAccessObjects } from './rbac.js'
import { registryObjects } from './registry.js'
import type { K8sObject, TownRef } from './types.js'
import { wireguardHubObjects } from './wireguard-hub.js'

export type { K8sObject, TownRef } from './types.js'
export { validateDesired, type DesiredProblem } from './validate.js'

/** The objects of one town, split the way the Pulumi components own them. */
export interface TownParts {
  town: TownRef
  /** The Namespace and its NetworkPolicies (component TownNamespace). */
  namespace: K8sObject[]
  /** Role and RoleBindings of the town admins (TownAccess). */
  access: K8sObject[]
  /** The station registry ConfigMap (StationRegistry). */
  registry: K8sObject[]
  /** Page config and the portal's read binding (owned by VideoPortal). */
  portal: K8sObject[]
}

/** Every desired object, grouped by the component that creates it. */
export interface DesiredParts {
  system: K8sObject[]
  districtAccess: K8sObject[]
  towns: TownParts[]
  hub: K8sObject[]
  monitoring: K8sObject[]
  portal: K8sObject[]
}

export interface DesiredState {
  /** All objects in a stable order (see `sortObjects`). */
  objects: K8sObject[]
  parts: DesiredParts
  /** What stations get from the cloud side when these objects are applied (inventory + stack config). */
  outputs: CloudOutputs
}

/**
 * The district's cloud side as plain Kubernetes objects, from the inventory
 * and the stack config. Pure: the Pulumi program and `infra render` both
 * start here, so a preview and a rendered YAML show the same objects.
 */
export function desiredState(inv: Inventory, config: CloudConfig): DesiredState {
  const towns: TownParts[] = inv.towns.map((t) => {
    const town: TownRef = { code: t.code, name: t.name, slug: t.slug }
    return {
      town,
      namespace: [townNamespaceObject(town), ...townNetworkPolicies(town)],
      access: townAccessObjects(town, inv.operators),
      registry: registryObjects(t),
      portal: portalTownObjects(t, config),
    }
  })
  const parts: DesiredParts = {
    system: [systemNamespace(inv.district)],
    districtAccess: districtAccessObjects(inv.operators),
    towns,
    hub: wireguardHubObjects(inv, config),
    monitoring: monitoringObjects(inv, config),
    portal: portalSystemObjects(inv, config),
  }
  return { objects: sortObjects(allObjects(parts)), parts, outputs: desiredOutputs(inv, config) }
}

export function allObjects(p: DesiredParts): K8sObject[] {
  return [
    ...p.system,
    ...p.districtAccess,
    ...p.towns.flatMap((t) => [...t.namespace, ...t.access, ...t.registry, ...t.portal]),
    ...p.hub,
    ...p.monitoring,
    ...p.portal,
  ]
}

/** The outputs a stack built from this state exports: config overrides the inventory's district section. */
export function desiredOutputs(inv: Inventory, config: CloudConfig): CloudOutputs {
  const base = outputsFromInventory(inv)
  return {
    ...base,
    hub: { ...base.hub, endpoint: config.hub.endpoint ?? base.hub.endpoint, publicKey: config.hub.publicKey ?? base.hub.publicKey },
    portal: { ...base.portal, url: config.portal.url ?? base.portal.url },
  }
}

/** Apply order: what others refer to comes first (namespaces, RBAC, secrets, config), workloads last. */
const KIND_ORDER = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'NetworkPolicy', 'Secret', 'ExternalSecret', 'ConfigMap', 'Service', 'Deployment']

function rank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind)
  return i === -1 ? KIND_ORDER.length : i
}

/** Stable order: namespace (cluster-scoped first), then kind in apply order, then name. */
export function sortObjects(objects: readonly K8sObject[]): K8sObject[] {
  return [...objects].sort((a, b) => cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || rank(a.kind) - rank(b.kind) || cmp(a.metadata.name, b.metadata.name))
}

/** Code-unit order, not locale order: the same bytes on every machine. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
