import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { SYSTEM_NAMESPACE, baseLabels, plain, townNamespace, type K8sObject, type TownRef } from './types.js'

/**
 * Isolation of a town namespace: deny all ingress, then allow only pods of
 * the same namespace and of `lastmile-system` (monitoring, portal). Policies
 * are additive, so no town can reach another. The system namespace is
 * selected by `kubernetes.io/metadata.name`, which the API server sets and
 * nobody can forge on another namespace.
 */
export function townNetworkPolicies(town: TownRef): K8sObject[] {
  const namespace = townNamespace(town)
  const labels = baseLabels('network-policy')
  return [
    plain(
      new NetworkPolicy({
        metadata: { name: 'default-deny-ingress', namespace, labels },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      }),
    ),
    plain(
      new NetworkPolicy({
        metadata: { name: 'allow-same-namespace', namespace, labels },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
      }),
    ),
    plain(
      new NetworkPolicy({
        metadata: { name: 'allow-from-lastmile-system', namespace, labels },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': SYSTEM_NAMESPACE } } }] }],
        },
      }),
    ),
  ]
}
