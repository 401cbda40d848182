import { beforeAll, describe, expect, it } from 'vitest'
import * as pulumi from '@pulumi/pulumi'
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks.js'
import { defaultCloudConfig } from '../../src/cloud/config.js'
import { desiredState } from '../../src/cloud/desired/index.js'
import type { District } from '../../src/cloud/program.js'
import { activeStations } from '../../src/inventory/model.js'
import { MINI, load } from './helpers.js'

/*
 * The Pulumi program under mocks: setMocks first, then import the program
 * (a module that creates resources at import time would otherwise talk to a
 * real engine). newResource echoes the inputs as outputs.
 */

interface Registration {
  type: string
  name: string
  parent: string
  dependencies: string[]
  inputs: Record<string, unknown>
}

const PROJECT = 'lastmile-district'
const STACK = 'test'
const registrations: Registration[] = []
const pending = new Map<string, Omit<Registration, 'inputs'>>()

/** The component's URN as the mock monitor builds it (the test stack is the root). */
const componentUrn = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`

async function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)))
}

let district: District
let inputsByName: Map<string, Registration>

beforeAll(async () => {
  // The mock monitor does not pass parent and dependencies to newResource: record them from the request.
  const proto = MockMonitor.prototype as unknown as { registerResource(req: RegisterRequest, cb: unknown): Promise<void> }
  const original = proto.registerResource
  proto.registerResource = async function (this: unknown, req: RegisterRequest, cb: unknown) {
    pending.set(`${req.getType()}::${req.getName()}`, { type: req.getType(), name: req.getName(), parent: req.getParent(), dependencies: req.getDependenciesList() })
    return original.call(this, req, cb)
  }
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const r = pending.get(`${args.type}::${args.name}`)
        registrations.push({ type: args.type, name: args.name, parent: r?.parent ?? '', dependencies: r?.dependencies ?? [], inputs: args.inputs as Record<string, unknown> })
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    PROJECT,
    STACK,
    false,
  )
  const { createDistrict } = await import('../../src/cloud/program.js')
  district = createDistrict(await load(MINI), defaultCloudConfig({ secretStore: { kind: 'ClusterSecretStore', name: 'vault' } }))
  await outputValue(district.outputs.hubEndpoint)
  // Resources register asynchronously: wait until the RPC queue is empty (internal, stable since Pulumi 2).
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs()
  inputsByName = new Map(registrations.map((r) => [r.name, r]))
}, 60_000)

interface RegisterRequest {
  getType(): string
  getName(): string
  getParent(): string
  getDependenciesList(): string[]
}

const k8sResources = (): Registration[] => registrations.filter((r) => r.type.startsWith('kubernetes:'))

describe('the district program under Pulumi mocks', () => {
  it('creates one Kubernetes resource per desired object, with the same kind, namespace and name', async () => {
    const inv = await load(MINI)
    const state = desiredState(inv, defaultCloudConfig({ secretStore: { kind: 'ClusterSecretStore', name: 'vault' } }))
    const key = (kind: string, ns: string | undefined, name: string): string => `${kind} ${ns ?? ''}/${name}`
    const created = k8sResources()
      .map((r) => {
        const md = r.inputs.metadata as { name: string; namespace?: string }
        return key((r.inputs.kind as string | undefined) ?? r.type.split(':').pop() ?? '', md.namespace, md.name)
      })
      .sort()
    expect(created).toEqual(state.objects.map((o) => key(o.kind, o.metadata.namespace, o.metadata.name)).sort())
    // The ExternalSecret goes through apiextensions.CustomResource with its own apiVersion/kind.
    expect(k8sResources().filter((r) => r.type === 'kubernetes:external-secrets.io/v1beta1:ExternalSecret')).toHaveLength(2)
  })

  it('registers each component once with its type token', () => {
    const count = (t: string): number => registrations.filter((r) => r.type === `lastmile:district:${t}`).length
    expect(count('SystemNamespace')).toBe(1)
    expect(count('DistrictAccess')).toBe(1)
    expect(count('TownNamespace')).toBe(2)
    expect(count('TownAccess')).toBe(2)
    expect(count('StationRegistry')).toBe(2)
    expect(count('WireguardHub')).toBe(1)
    expect(count('StationMonitoring')).toBe(1)
    expect(count('VideoPortal')).toBe(1)
  })

  it("parents a town admin's RoleBinding under the town's TownAccess and makes it depend on the town's Namespace and Role", () => {
    const rb = inputsByName.get('town-feilaixia-access-rolebinding-town-admin-feilaixia-admin-1')
    expect(rb?.type).toBe('kubernetes:rbac.authorization.k8s.io/v1:RoleBinding')
    expect(rb?.parent).toBe(componentUrn('lastmile:district:TownAccess', 'town-feilaixia-access'))
    const nsUrn = `urn:pulumi:${STACK}::${PROJECT}::lastmile:district:TownNamespace$kubernetes:core/v1:Namespace::town-feilaixia-namespace-town-feilaixia`
    expect(rb?.dependencies).toContain(nsUrn)
    expect(rb?.dependencies).toContain(`urn:pulumi:${STACK}::${PROJECT}::lastmile:district:TownAccess$kubernetes:rbac.authorization.k8s.io/v1:Role::town-feilaixia-access-role-town-admin`)
    expect((rb?.inputs.metadata as { namespace: string }).namespace).toBe('town-feilaixia')
    // Not bound anywhere else.
    const elsewhere = k8sResources().filter((r) => r.type.endsWith('Binding') && JSON.stringify(r.inputs.subjects ?? []).includes('operator:feilaixia-admin-1'))
    expect(elsewhere.map((r) => r.name)).toEqual(['town-feilaixia-access-rolebinding-town-admin-feilaixia-admin-1'])
  })

  it('parents every child under its component, named <component>-…', () => {
    for (const r of k8sResources().filter((x) => x.type !== 'pulumi:providers:kubernetes')) {
      const component = registrations.find((c) => c.type.startsWith('lastmile:district:') && r.parent === componentUrn(c.type, c.name))
      expect(component, `${r.type} ${r.name} has a component parent`).toBeDefined()
      expect(r.name.startsWith(`${component?.name ?? '?'}-`)).toBe(true)
    }
  })

  it('makes the hub wait for its namespace, peer list and key references', () => {
    const hub = inputsByName.get('wireguard-hub-deployment-wireguard-hub')
    expect(hub?.parent).toBe(componentUrn('lastmile:district:WireguardHub', 'wireguard-hub'))
    const deps = hub?.dependencies.map((u) => u.split('::').pop()) ?? []
    expect(deps).toEqual(expect.arrayContaining(['lastmile-system-namespace-lastmile-system', 'wireguard-hub-configmap-wireguard-peers', 'wireguard-hub-externalsecret-wireguard-hub-key', 'wireguard-hub-externalsecret-wireguard-peer-keys']))
    // Per-town portal objects wait for their town's namespace.
    const pages = inputsByName.get('video-portal-town-fengcheng-configmap-village-portal-pages')
    expect(pages?.dependencies.some((u) => u.endsWith('::town-fengcheng-namespace-town-fengcheng'))).toBe(true)
  })

  it('exports what stations need: hub endpoint and public key, portal URL, monitoring address, station count', async () => {
    const inv = await load(MINI)
    expect(await outputValue(district.outputs.hubEndpoint)).toBe(inv.district.hub.endpoint)
    expect(await outputValue(district.outputs.hubPublicKey)).toBe(inv.district.hub.publicKey)
    expect(await outputValue(district.outputs.portalUrl)).toBe(inv.district.cloud.portal.url)
    expect(await outputValue(district.outputs.monitoringAddress)).toBe(inv.district.cloud.monitoring.address)
    expect(district.outputs.stationCount).toBe(activeStations(inv).length)
  })

  it('reads the stack config through the shared schema', async () => {
    const { readStackConfig } = await import('../../src/cloud/program.js')
    pulumi.runtime.setAllConfig({ [`${PROJECT}:hub`]: JSON.stringify({ serviceType: 'NodePort', nodePort: 31820 }), [`${PROJECT}:kubeContext`]: 'kind-lab' })
    expect(readStackConfig()).toMatchObject({ kubeContext: 'kind-lab', hub: { serviceType: 'NodePort', nodePort: 31820, listenPort: 51820 } })
    pulumi.runtime.setAllConfig({ [`${PROJECT}:hub`]: JSON.stringify({ serviceType: 'ClusterIP' }) })
    expect(() => readStackConfig()).toThrow(/lastmile-district:hub\.serviceType/)
  })
})
