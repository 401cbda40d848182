import * as pulumi from '@pulumi/pulumi'
import type * as k8s from '@pulumi/kubernetes'
import type { K8sObject, TownRef } from '../desired/types.js'
import { childName, createChildren, createK8sObject } from './k8s-object.js'

export interface TownNamespaceArgs {
  /**
   * The town. Plain, not an Input: resource names derive from it, and names
   * must be known when Pulumi plans (preview).
   */
  readonly town: TownRef
  /** The town's Namespace (first) and NetworkPolicies from `desired/`; plain for the same reason. */
  readonly objects: readonly K8sObject[]
}

/** A town's namespace and the network policies that isolate it from the other towns. */
export class TownNamespace extends pulumi.ComponentResource {
  /** The namespace name, as an output of the Namespace: resources given it wait for the namespace. */
  readonly namespaceName: pulumi.Output<string>
  readonly namespace: k8s.core.v1.Namespace

  constructor(name: string, args: TownNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:TownNamespace', name, {}, opts)
    const [nsObj, ...policies] = args.objects
    if (!nsObj || nsObj.kind !== 'Namespace') throw new Error(`TownNamespace ${name}: the first object must be the town's Namespace`)
    this.namespace = createK8sObject(childName(name, nsObj), nsObj, { parent: this }) as k8s.core.v1.Namespace
    this.namespaceName = this.namespace.metadata.name
    createChildren(this, name, policies, { [nsObj.metadata.name]: this.namespaceName })
    this.registerOutputs({ namespaceName: this.namespaceName, town: args.town.code })
  }
}
