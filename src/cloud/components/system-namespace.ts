import * as pulumi from '@pulumi/pulumi'
import type * as k8s from '@pulumi/kubernetes'
import type { K8sObject } from '../desired/types.js'
import { childName, createK8sObject } from './k8s-object.js'

export interface SystemNamespaceArgs {
  /** The `lastmile-system` Namespace object from `desired/` (plain: it names the resource). */
  readonly namespace: K8sObject
}

/** `lastmile-system`: the hub, monitoring and the portal run here. */
export class SystemNamespace extends pulumi.ComponentResource {
  /** The namespace name as an output: pass it to components so they wait for the namespace. */
  readonly namespaceName: pulumi.Output<string>

  constructor(name: string, args: SystemNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:SystemNamespace', name, {}, opts)
    const ns = createK8sObject(childName(name, args.namespace), args.namespace, { parent: this }) as k8s.core.v1.Namespace
    this.namespaceName = ns.metadata.name
    this.registerOutputs({ namespaceName: this.namespaceName })
  }
}
