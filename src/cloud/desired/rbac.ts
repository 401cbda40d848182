import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import type { IIoK8sApiRbacV1PolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule'
import type { Operator } from '../../inventory/schema.js'
import { NAME_ANNOTATION, SYSTEM_NAMESPACE, baseLabels, plain, townNamespace, type K8sObject, type TownRef } from './types.js'

const RBAC_GROUP = 'rbac.authorization.k8s.io'
const READ = ['get', 'list', 'watch']

/** The Kubernetes user an operator authenticates as (client certificate CN or OIDC claim). */
export function operatorUser(op: Pick<Operator, 'id'>): string {
  return `operator:${op.id}`
}

/**
 * What a town admin needs to check their stations: the registry and portal
 * ConfigMaps, pods, their logs and services. Read only, and never secrets.
 */
export const TOWN_ADMIN_RULES: IIoK8sApiRbacV1PolicyRule[] = [{ apiGroups: [''], resources: ['configmaps', 'pods', 'pods/log', 'services'], verbs: READ }]

/** Town admins of this town (an admin of two towns appears in both). */
export function townAdmins(operators: readonly Operator[], town: Pick<TownRef, 'code'>): Operator[] {
  return operators.filter((op) => op.role === 'town' && op.towns.includes(town.code))
}

/**
 * A Role and one RoleBinding per town admin, in the town's namespace only: a
 * RoleBinding cannot grant anything outside its namespace, and town admins get
 * no ClusterRoleBinding at all.
 */
export function townAccessObjects(town: TownRef, operators: readonly Operator[]): K8sObject[] {
  const namespace = townNamespace(town)
  const labels = baseLabels('rbac')
  const out: K8sObject[] = [plain(new Role({ metadata: { name: 'town-admin', namespace, labels }, rules: TOWN_ADMIN_RULES }))]
  for (const op of townAdmins(operators, town)) {
    out.push(
      plain(
        new RoleBinding({
          metadata: { name: `town-admin-${op.id}`, namespace, labels, annotations: { [NAME_ANNOTATION]: op.name } },
          roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: 'town-admin' },
          subjects: [{ apiGroup: RBAC_GROUP, kind: 'User', name: operatorUser(op) }],
        }),
      ),
    )
  }
  return out
}

/** Read across the cluster: every town namespace and the system, still no secrets. */
export const DISTRICT_READ_RULES: IIoK8sApiRbacV1PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces', 'configmaps', 'pods', 'pods/log', 'services', 'endpoints', 'events'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: [RBAC_GROUP], resources: ['roles', 'rolebindings'], verbs: READ },
  { apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: READ },
]

/** Running the system namespace: restart the hub, portal and exporter, edit their config. Secrets stay with the secret store. */
export const SYSTEM_OPERATE_RULES: IIoK8sApiRbacV1PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'services', 'pods'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: [...READ, 'update', 'patch'] },
]

/**
 * District admins: a ClusterRole + ClusterRoleBinding for reading everything
 * lastmile runs (all town namespaces included), and the right to operate the
 * system namespace through a RoleBinding there.
 */
export function districtAccessObjects(operators: readonly Operator[]): K8sObject[] {
  const labels = baseLabels('rbac')
  const admins = operators.filter((op) => op.role === 'district')
  const subjects = admins.map((op) => ({ apiGroup: RBAC_GROUP, kind: 'User', name: operatorUser(op) }))
  const out: K8sObject[] = [
    plain(new ClusterRole({ metadata: { name: 'lastmile-district-admin', labels }, rules: DISTRICT_READ_RULES })),
    plain(new ClusterRole({ metadata: { name: 'lastmile-system-operator', labels }, rules: SYSTEM_OPERATE_RULES })),
  ]
  if (subjects.length === 0) return out
  out.push(
    plain(
      new ClusterRoleBinding({
        metadata: { name: 'lastmile-district-admin', labels },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'lastmile-district-admin' },
        subjects,
      }),
    ),
    plain(
      new RoleBinding({
        metadata: { name: 'district-admin', namespace: SYSTEM_NAMESPACE, labels },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'lastmile-system-operator' },
        subjects,
      }),
    ),
  )
  return out
}
