import { Namespace } from 'kubernetes-models/v1'
import type { DistrictSpec } from '../../inventory/schema.js'
import { NAME_ANNOTATION, NBS_CODE_LABEL, SYSTEM_NAMESPACE, TOWN_LABEL, baseLabels, plain, townNamespace, type K8sObject, type TownRef } from './types.js'

/**
 * `lastmile-system` holds the hub, monitoring and the portal. The hub needs
 * NET_ADMIN, which every Pod Security level but `privileged` forbids.
 */
export function systemNamespace(district: Pick<DistrictSpec, 'code' | 'name'>): K8sObject {
  return plain(
    new Namespace({
      metadata: {
        name: SYSTEM_NAMESPACE,
        labels: { ...baseLabels('system'), [NBS_CODE_LABEL]: district.code, 'pod-security.kubernetes.io/enforce': 'privileged' },
        annotations: { [NAME_ANNOTATION]: district.name },
      },
    }),
  )
}

/**
 * One namespace per town. Town namespaces run nothing privileged (today only
 * ConfigMaps), so they enforce the `restricted` Pod Security level.
 */
export function townNamespaceObject(town: TownRef): K8sObject {
  return plain(
    new Namespace({
      metadata: {
        name: townNamespace(town),
        labels: {
          ...baseLabels('town'),
          [NBS_CODE_LABEL]: town.code,
          [TOWN_LABEL]: town.slug,
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
        annotations: { [NAME_ANNOTATION]: town.name },
      },
    }),
  )
}
