import * as pulumi from '@pulumi/pulumi'
import type { K8sObject, TownRef } from '../desired/types.js'
import { childName, createK8sObject } from './k8s-object.js'

export interface TownAccessArgs {
  /** The town (plain: resource names derive from it). */
  readonly town: TownRef
  /**
   * The town's namespace, ideally `TownNamespace.namespaceName`: the Role and
   * RoleBindings then wait for the namespace to exist.
   */
  readonly namespace: pulumi.Input<string>
  /** The Role and the RoleBindings of the town's admins, from `desired/rbac.ts` (plain: one resource each). */
  readonly objects: readonly K8sObject[]
}

/**
 * What a town's admins may do, inside their town's namespace only: one Role
 * (read configmaps, pods, logs, services; no secrets) and one RoleBinding per admin.
 */
export class TownAccess extends pulumi.ComponentResource {
  /** Kubernetes users bound in this town (`operator:<id>`). */
  readonly subjects: string[]

  constructor(name: string, args: TownAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:TownAccess', name, {}, opts)
    const roles = args.objects.filter((o) => o.kind === 'Role')
    const bindings = args.objects.filter((o) => o.kind !== 'Role')
    const roleResources = roles.map((o) => createK8sObject(childName(name, o), o, { parent: this }, args.namespace))
    for (const o of bindings) createK8sObject(childName(name, o), o, { parent: this, dependsOn: roleResources }, args.namespace)
    this.subjects = bindings.flatMap((b) => ((b.subjects as Array<{ name: string }> | undefined) ?? []).map((s) => s.name))
    this.registerOutputs({ town: args.town.code, subjects: this.subjects })
  }
}
