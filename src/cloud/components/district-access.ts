import * as pulumi from '@pulumi/pulumi'
import type { K8sObject } from '../desired/types.js'
import { SYSTEM_NAMESPACE } from '../desired/types.js'
import { createChildren } from './k8s-object.js'

export interface DistrictAccessArgs {
  /** `lastmile-system`, ideally `SystemNamespace.namespaceName`, so the RoleBinding there waits for it. */
  readonly systemNamespace: pulumi.Input<string>
  /** ClusterRoles, the district admins' ClusterRoleBinding and their RoleBinding in the system namespace (plain). */
  readonly objects: readonly K8sObject[]
}

/** District admins: read everything lastmile runs, operate the system namespace. */
export class DistrictAccess extends pulumi.ComponentResource {
  constructor(name: string, args: DistrictAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:DistrictAccess', name, {}, opts)
    createChildren(this, name, args.objects, { [SYSTEM_NAMESPACE]: args.systemNamespace })
    this.registerOutputs({ objects: args.objects.length })
  }
}
