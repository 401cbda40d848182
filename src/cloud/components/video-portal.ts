import * as pulumi from '@pulumi/pulumi'
import { SYSTEM_NAMESPACE, type K8sObject } from '../desired/types.js'
import { createChildren } from './k8s-object.js'

export interface VideoPortalArgs {
  /** `lastmile-system`, ideally `SystemNamespace.namespaceName`. */
  readonly namespace: pulumi.Input<string>
  /** Town namespace name → its Input (`TownNamespace.namespaceName`), so per-town page config waits for the town. */
  readonly townNamespaces: Readonly<Record<string, pulumi.Input<string>>>
  /** ServiceAccount, reader ClusterRole, Deployment and Service from `desired/portal.ts` (plain). */
  readonly objects: readonly K8sObject[]
  /** Page ConfigMaps and the portal's RoleBinding, per town (plain). */
  readonly townObjects: readonly K8sObject[]
  /** The portal's public URL (set-top boxes open it). */
  readonly url: pulumi.Input<string>
}

/** The village video portal (视讯平台) and the page config of every village. */
export class VideoPortal extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>

  constructor(name: string, args: VideoPortalArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:VideoPortal', name, {}, opts)
    const namespaces = { ...args.townNamespaces, [SYSTEM_NAMESPACE]: args.namespace }
    createChildren(this, name, args.objects, namespaces)
    // Every town has a ConfigMap and a RoleBinding of the same names: the namespace goes into the Pulumi name.
    createChildren(this, name, args.townObjects, namespaces, { withNamespace: true })
    this.url = pulumi.output(args.url)
    this.registerOutputs({ url: this.url, towns: Object.keys(args.townNamespaces).length })
  }
}
