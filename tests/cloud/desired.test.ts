import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { defaultCloudConfig } from '../../src/cloud/config.js'
import { desiredState, validateDesired, type K8sObject } from '../../src/cloud/desired/index.js'
import { PROBE_JOBS, SCRAPE_CONFIGMAP } from '../../src/cloud/desired/monitoring.js'
import { PAGES_CONFIGMAP, PORTAL_SECTIONS } from '../../src/cloud/desired/portal.js'
import { REGISTRY_CONFIGMAP } from '../../src/cloud/desired/registry.js'
import { NBS_CODE_LABEL, NAME_ANNOTATION, SYSTEM_NAMESPACE } from '../../src/cloud/desired/types.js'
import { HUB_KEY_SECRET, PEERS_CONFIGMAP } from '../../src/cloud/desired/wireguard-hub.js'
import { activeStations } from '../../src/inventory/model.js'
import { HAVE_REAL, INVENTORIES, MINI, REAL, load } from './helpers.js'

const config = defaultCloudConfig()
const byKind = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind)
const find = (objs: K8sObject[], kind: string, name: string, namespace?: string): K8sObject | undefined =>
  objs.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace)

interface Subject {
  kind: string
  name: string
}
interface Rule {
  resources?: string[]
  verbs: string[]
}

describe.each(INVENTORIES)('desired state of $name', ({ dir }) => {
  it('has lastmile-system and one namespace per town, labelled with the NBS code, named in an annotation', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    const namespaces = byKind(objects, 'Namespace')
    expect(namespaces).toHaveLength(1 + inv.towns.length)
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual([SYSTEM_NAMESPACE, ...inv.towns.map((t) => `town-${t.slug}`)].sort())
    for (const t of inv.towns) {
      const ns = find(objects, 'Namespace', `town-${t.slug}`)
      expect(ns?.metadata.labels?.[NBS_CODE_LABEL]).toBe(t.code)
      expect(ns?.metadata.labels?.[NBS_CODE_LABEL]).toMatch(/^\d{12}$/)
      expect(ns?.metadata.annotations?.[NAME_ANNOTATION]).toBe(t.name)
    }
  })

  it('passes validation: kubernetes-models schemas, names, labels, namespaces, no duplicates', async () => {
    const { objects } = desiredState(await load(dir), config)
    expect(validateDesired(objects)).toEqual([])
  })

  it("binds each town admin only inside their town's namespace, read-only, never to secrets", async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    const townAdmins = inv.operators.filter((o) => o.role === 'town')
    expect(townAdmins.length).toBeGreaterThan(0)
    for (const op of townAdmins) {
      const user = `operator:${op.id}`
      const bindings = objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && ((o.subjects as Subject[] | undefined) ?? []).some((s) => s.name === user))
      expect(bindings.length, `${op.id} has bindings`).toBe(op.towns.filter((code) => inv.towns.some((t) => t.code === code)).length)
      for (const b of bindings) {
        expect(b.kind).toBe('RoleBinding')
        const town = inv.towns.find((t) => `town-${t.slug}` === b.metadata.namespace)
        expect(town && op.towns.includes(town.code), `${op.id} bound in ${b.metadata.namespace}`).toBe(true)
        const ref = b.roleRef as { kind: string; name: string }
        expect(ref.kind).toBe('Role')
        const role = find(objects, 'Role', ref.name, b.metadata.namespace)
        for (const rule of (role?.rules as Rule[] | undefined) ?? []) {
          expect(rule.resources).not.toContain('secrets')
          expect(rule.verbs.every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true)
        }
      }
    }
    // No ClusterRoleBinding names a town admin.
    for (const crb of byKind(objects, 'ClusterRoleBinding')) {
      for (const s of (crb.subjects as Subject[] | undefined) ?? []) expect(townAdmins.map((o) => `operator:${o.id}`)).not.toContain(s.name)
    }
  })

  it('gives district admins a ClusterRole and ClusterRoleBinding to read, and the system namespace to operate', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    const admins = inv.operators.filter((o) => o.role === 'district').map((o) => `operator:${o.id}`)
    const crb = find(objects, 'ClusterRoleBinding', 'lastmile-district-admin')
    expect(((crb?.subjects as Subject[] | undefined) ?? []).map((s) => s.name).sort()).toEqual([...admins].sort())
    const rb = find(objects, 'RoleBinding', 'district-admin', SYSTEM_NAMESPACE)
    expect((rb?.roleRef as { kind: string }).kind).toBe('ClusterRole')
    for (const role of byKind(objects, 'ClusterRole')) {
      for (const rule of role.rules as Rule[]) expect(rule.resources).not.toContain('secrets')
    }
  })

  it('isolates every town: default-deny ingress, allow only the same namespace and lastmile-system', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    for (const t of inv.towns) {
      const ns = `town-${t.slug}`
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns)
      expect(policies.map((p) => p.metadata.name).sort()).toEqual(['allow-from-lastmile-system', 'allow-same-namespace', 'default-deny-ingress'])
      const deny = policies.find((p) => p.metadata.name === 'default-deny-ingress')?.spec as { podSelector: object; policyTypes: string[]; ingress?: unknown }
      expect(deny).toEqual({ podSelector: {}, policyTypes: ['Ingress'] })
      // Every peer an ingress rule allows is this namespace's pods or lastmile-system: never another town.
      const peers = policies.flatMap((p) => ((p.spec as { ingress?: Array<{ from: unknown[] }> }).ingress ?? []).flatMap((r) => r.from))
      for (const peer of peers) {
        expect([{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': SYSTEM_NAMESPACE } } }]).toContainEqual(peer)
      }
    }
  })

  it('probes every active station exactly once per module, and the committee without a station not at all', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    const cm = find(objects, 'ConfigMap', SCRAPE_CONFIGMAP, SYSTEM_NAMESPACE)
    const scrape = parse((cm?.data as Record<string, string>)['stations.yml'] ?? '') as {
      scrape_configs: Array<{ job_name: string; params: { module: string[] }; static_configs: Array<{ targets: string[]; labels: Record<string, string> }> }>
    }
    expect(scrape.scrape_configs.map((j) => j.params.module[0]).sort()).toEqual(PROBE_JOBS.map((j) => j.module).sort())
    const active = activeStations(inv)
    for (const job of scrape.scrape_configs) {
      const probed = job.static_configs.flatMap((s) => s.targets.map(() => s.labels.station))
      expect(probed.sort(), job.job_name).toEqual(active.map((s) => s.id).sort())
      for (const s of job.static_configs) {
        const st = active.find((a) => a.id === s.labels.station)
        expect(s.labels.town).toBe(st?.town.slug)
        expect(s.targets).toEqual([job.params.module[0] === 'icmp' ? st?.management.address : `${st?.management.address}:${st?.ssh.port}`])
      }
    }
    for (const s of inv.stations.filter((x) => !x.hasStation)) expect(JSON.stringify(scrape)).not.toContain(s.id)
  })

  it('has registry ConfigMaps covering every station of each town, with no secret refs', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    for (const t of inv.towns) {
      const cm = find(objects, 'ConfigMap', REGISTRY_CONFIGMAP, `town-${t.slug}`)
      const data = cm?.data as Record<string, string>
      expect(Object.keys(data).sort()).toEqual(t.stations.map((s) => s.id).sort())
      for (const s of t.stations) {
        const entry = JSON.parse(data[s.id] ?? '{}') as { name: string; management: string; devices: number; fibre: string; hasStation: boolean }
        expect(entry).toMatchObject({ name: s.name, management: s.management.address, fibre: s.fibreUpgrade.status, hasStation: s.hasStation })
        expect(entry.devices).toBe(s.devices.reduce((n, d) => n + d.count, 0))
      }
      expect(JSON.stringify(data)).not.toMatch(/"secret"|privateKey|password/)
    }
  })

  it('gives every village with a station the four portal pages, keyed by station id', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    for (const t of inv.towns) {
      const data = find(objects, 'ConfigMap', PAGES_CONFIGMAP, `town-${t.slug}`)?.data as Record<string, string>
      expect(Object.keys(data).sort()).toEqual(t.stations.filter((s) => s.hasStation).map((s) => s.id).sort())
      for (const [id, json] of Object.entries(data)) {
        const pages = (JSON.parse(json) as { pages: Array<{ section: string; title: string; path: string; source: string }> }).pages
        expect(pages.map((p) => p.section)).toEqual(PORTAL_SECTIONS.map((s) => s.title))
        for (const p of pages) {
          expect(p.path).toMatch(new RegExp(`^/villages/${id}/[a-z-]+$`))
          expect(p.source).toContain(`/${t.code}/${id}/`)
          expect(p.title).toBeTruthy()
        }
      }
    }
    expect(find(objects, 'Deployment', 'village-portal', SYSTEM_NAMESPACE)).toBeDefined()
    expect(find(objects, 'Service', 'village-portal', SYSTEM_NAMESPACE)).toBeDefined()
  })

  it('lists every active station as a hub peer with its management address /32 and a public-key reference', async () => {
    const inv = await load(dir)
    const { objects } = desiredState(inv, config)
    const peers = (JSON.parse((find(objects, 'ConfigMap', PEERS_CONFIGMAP, SYSTEM_NAMESPACE)?.data as Record<string, string>)['peers.json'] ?? '{}') as {
      peers: Array<{ station: string; allowedIPs: string[]; publicKeyRef: { storeRef: string } }>
    }).peers
    const active = activeStations(inv)
    expect(peers.map((p) => p.station)).toEqual(active.map((s) => s.id))
    for (const p of peers) {
      const s = active.find((a) => a.id === p.station)
      expect(p.allowedIPs).toEqual([`${s?.management.address}/32`])
      // The hub gets the station's public key; its private key never leaves the station's secret.
      expect(p.publicKeyRef.storeRef).toBe(`${s?.tunnel.privateKey.secret}.pub`)
    }
  })
})

describe('configuration', () => {
  it('puts the hub key in an ExternalSecret when a secret store is configured, else an empty placeholder Secret', async () => {
    const inv = await load(MINI)
    const placeholder = find(desiredState(inv, config).objects, 'Secret', HUB_KEY_SECRET, SYSTEM_NAMESPACE)
    expect(placeholder?.data).toBeUndefined()
    expect(placeholder?.stringData).toBeUndefined()
    expect(placeholder?.metadata.annotations?.['lastmile.qingcheng/secret-ref']).toBe('privateKey=wireguard/hub')

    const withStore = desiredState(inv, defaultCloudConfig({ secretStore: { kind: 'ClusterSecretStore', name: 'qingcheng-vault' } })).objects
    expect(find(withStore, 'Secret', HUB_KEY_SECRET, SYSTEM_NAMESPACE)).toBeUndefined()
    const es = find(withStore, 'ExternalSecret', HUB_KEY_SECRET, SYSTEM_NAMESPACE)
    expect(es?.apiVersion).toBe('external-secrets.io/v1beta1')
    expect(es?.spec).toMatchObject({ secretStoreRef: { kind: 'ClusterSecretStore', name: 'qingcheng-vault' }, data: [{ secretKey: 'privateKey', remoteRef: { key: 'wireguard/hub' } }] })
    expect(validateDesired(withStore)).toEqual([])
  })

  it('uses the configured images, service type and node port', async () => {
    const inv = await load(MINI)
    const cfg = defaultCloudConfig({ images: { wireguard: 'example.cn/wg:1.2.3' }, hub: { serviceType: 'NodePort', nodePort: 31820 } })
    const { objects } = desiredState(inv, cfg)
    const hub = find(objects, 'Deployment', 'wireguard-hub', SYSTEM_NAMESPACE)
    const containers = (hub?.spec as { template: { spec: { containers: Array<{ image: string; securityContext: { capabilities: { add: string[] } } }> } } }).template.spec.containers
    expect(containers[0]?.image).toBe('example.cn/wg:1.2.3')
    expect(containers[0]?.securityContext.capabilities.add).toContain('NET_ADMIN')
    const svc = find(objects, 'Service', 'wireguard-hub', SYSTEM_NAMESPACE)?.spec as { type: string; ports: Array<{ protocol: string; port: number; nodePort?: number }> }
    expect(svc.type).toBe('NodePort')
    expect(svc.ports).toEqual([expect.objectContaining({ protocol: 'UDP', port: 51820, nodePort: 31820 })])
  })

  it('rejects unpinned images in the config and reports invalid objects', async () => {
    expect(() => defaultCloudConfig({ images: { portal: 'example.cn/portal:latest' } })).toThrow(/latest/)
    expect(() => defaultCloudConfig({ images: { portal: 'example.cn/portal' } })).toThrow(/pinned/)
    const inv = await load(MINI)
    const { objects } = desiredState(inv, config)
    const broken = objects.map((o) => (o.kind === 'Namespace' && o.metadata.name !== SYSTEM_NAMESPACE ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, town: '飞来峡镇' } } } : o))
    broken.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: SYSTEM_NAMESPACE }, data: { k: 'dmFsdWU=' } })
    const problems = validateDesired(broken)
    expect(problems.some((p) => p.object === 'Namespace town-feilaixia' && /label value/.test(p.message))).toBe(true)
    expect(problems.some((p) => p.object === `Secret ${SYSTEM_NAMESPACE}/leak` && /never/.test(p.message))).toBe(true)
    expect(validateDesired([...objects, objects[0] as K8sObject]).some((p) => /defined twice/.test(p.message))).toBe(true)
  })

  it('takes the hub endpoint and key, and the portal URL from the stack config over the inventory', async () => {
    const inv = await load(MINI)
    const { outputs } = desiredState(inv, defaultCloudConfig({ hub: { endpoint: 'hub.lab:31820' }, portal: { url: 'http://127.0.0.1:30080/' } }))
    expect(outputs).toMatchObject({ source: 'inventory', hub: { endpoint: 'hub.lab:31820', publicKey: inv.district.hub.publicKey, address: inv.district.hub.address }, portal: { url: 'http://127.0.0.1:30080/' } })
  })
})

describe.skipIf(!HAVE_REAL)(`the real inventory (skipped: ${REAL} not generated yet)`, () => {
  it('has a namespace per town and probes each active station once per module', async () => {
    const inv = await load(REAL)
    const { objects } = desiredState(inv, config)
    expect(byKind(objects, 'Namespace')).toHaveLength(inv.towns.length + 1)
    expect(validateDesired(objects)).toEqual([])
  })
})
