import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { ClusterRole, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import type { Inventory, Town } from '../../inventory/model.js'
import type { CloudConfig } from '../config.js'
import { NAME_ANNOTATION, SYSTEM_NAMESPACE, baseLabels, jsonValue, plain, townNamespace, type K8sObject } from './types.js'

export const PORTAL_NAME = 'village-portal'
export const PAGES_CONFIGMAP = 'village-portal-pages'
export const PAGES_READER_ROLE = 'lastmile-portal-pages-reader'
const PORTAL_PORT = 8080

/** The four public pages of every village on the set-top box portal (视讯平台). */
export const PORTAL_SECTIONS = [
  { key: 'overview', title: '村情概况' },
  { key: 'party-affairs', title: '党务公开' },
  { key: 'government-affairs', title: '政务公开' },
  { key: 'finance', title: '财务公开' },
] as const

export interface PortalPage {
  section: string
  title: string
  path: string
  source: string
}

export function villagePages(town: Pick<Town, 'code'>, station: { id: string; short: string }, contentSource: string): PortalPage[] {
  return PORTAL_SECTIONS.map((sec) => ({
    section: sec.title,
    title: `${station.short}·${sec.title}`,
    path: `/villages/${station.id}/${sec.key}`,
    source: `${contentSource.replace(/\/+$/, '')}/${town.code}/${station.id}/${sec.key}`,
  }))
}

/** Per town: the page config of each village with a station, keyed by station id. */
export function portalTownObjects(town: Pick<Town, 'code' | 'name' | 'slug' | 'stations'>, config: CloudConfig): K8sObject[] {
  const namespace = townNamespace(town)
  const labels = baseLabels('village-portal')
  const data: Record<string, string> = {}
  for (const s of town.stations.filter((st) => st.hasStation)) {
    data[s.id] = jsonValue({ village: s.name, town: town.name, pages: villagePages(town, s, config.portal.contentSource) })
  }
  return [
    plain(new ConfigMap({ metadata: { name: PAGES_CONFIGMAP, namespace, labels, annotations: { [NAME_ANNOTATION]: `${town.name}视讯平台页面` } }, data })),
    // The portal reads this town's page config through the API: only this ConfigMap, read only.
    plain(
      new RoleBinding({
        metadata: { name: PORTAL_NAME, namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PAGES_READER_ROLE },
        subjects: [{ kind: 'ServiceAccount', name: PORTAL_NAME, namespace: SYSTEM_NAMESPACE }],
      }),
    ),
  ]
}

/** The portal itself, in the system namespace. */
export function portalSystemObjects(inv: Pick<Inventory, 'towns'>, config: CloudConfig): K8sObject[] {
  const namespace = SYSTEM_NAMESPACE
  const labels = { ...baseLabels('village-portal'), 'app.kubernetes.io/name': PORTAL_NAME }
  const selector = { 'app.kubernetes.io/name': PORTAL_NAME }
  return [
    plain(new ServiceAccount({ metadata: { name: PORTAL_NAME, namespace, labels } })),
    plain(
      new ClusterRole({
        metadata: { name: PAGES_READER_ROLE, labels },
        rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [PAGES_CONFIGMAP], verbs: ['get', 'watch'] }],
      }),
    ),
    plain(
      new Deployment({
        metadata: { name: PORTAL_NAME, namespace, labels, annotations: { [NAME_ANNOTATION]: '视讯平台' } },
        spec: {
          replicas: config.portal.replicas,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: PORTAL_NAME,
              containers: [
                {
                  name: 'portal',
                  image: config.images.portal,
                  ports: [{ name: 'http', containerPort: PORTAL_PORT }],
                  env: [
                    { name: 'PORTAL_PAGES_CONFIGMAP', value: PAGES_CONFIGMAP },
                    { name: 'PORTAL_TOWN_NAMESPACES', value: inv.towns.map((t) => townNamespace(t)).join(',') },
                  ],
                  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                },
              ],
            },
          },
        },
      }),
    ),
    plain(
      new Service({
        metadata: { name: PORTAL_NAME, namespace, labels },
        spec: { type: config.portal.serviceType, selector, ports: [{ name: 'http', port: 80, targetPort: 'http', ...(config.portal.serviceType === 'NodePort' && config.portal.nodePort ? { nodePort: config.portal.nodePort } : {}) }] },
      }),
    ),
  ]
}
