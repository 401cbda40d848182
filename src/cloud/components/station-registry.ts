import * as pulumi from '@pulumi/pulumi'
import type { K8sObject, TownRef } from '../desired/types.js'
import { createChildren } from './k8s-object.js'

export interface StationRegistryArgs {
  /** The town (plain: resource names derive from it). */
  readonly town: TownRef
  /** The town's namespace, ideally `TownNamespace.namespaceName`. */
  readonly namespace: pulumi.Input<string>
  /** The registry ConfigMap from `desired/registry.ts` (plain). */
  readonly objects: readonly K8sObject[]
}

/** The town's station registry: one ConfigMap key per station, facts only, no secrets. */
export class StationRegistry extends pulumi.ComponentResource {
  /** Station ids listed in the registry. */
  readonly stationIds: string[]

  constructor(name: string, args: StationRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:StationRegistry', name, {}, opts)
    const ns = args.objects[0]?.metadata.namespace
    createChildren(this, name, args.objects, ns ? { [ns]: args.namespace } : {})
    this.stationIds = args.objects.flatMap((o) => Object.keys((o.data as Record<string, string> | undefined) ?? {}))
    this.registerOutputs({ town: args.town.code, stations: this.stationIds.length })
  }
}
