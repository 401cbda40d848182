import type * as pulumi from '@pulumi/pulumi'
import * as k8s from '@pulumi/kubernetes'
import type { K8sObject } from '../desired/types.js'

/**
 * Creates the @pulumi/kubernetes resource for one desired object, with the
 * object's fields as the resource's args: the program never builds objects of
 * its own, so what `infra render` writes is what Pulumi applies.
 *
 * `namespace` replaces `metadata.namespace` with an Input (the name output of
 * the Namespace resource): the resource then depends on its namespace.
 */
export function createK8sObject(
  name: string,
  obj: K8sObject,
  opts: pulumi.CustomResourceOptions,
  namespace?: pulumi.Input<string>,
): pulumi.CustomResource {
  const metadata = namespace === undefined ? obj.metadata : { ...obj.metadata, namespace }
  const args = { ...obj, metadata }
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case 'v1/Namespace':
      return new k8s.core.v1.Namespace(name, args as k8s.core.v1.NamespaceArgs, opts)
    case 'v1/ConfigMap':
      return new k8s.core.v1.ConfigMap(name, args as k8s.core.v1.ConfigMapArgs, opts)
    case 'v1/Secret':
      // A placeholder: its data is filled by hand, so Pulumi must not reset it to empty on the next `up`.
      return new k8s.core.v1.Secret(name, args as k8s.core.v1.SecretArgs, { ...opts, ignoreChanges: [...(opts.ignoreChanges ?? []), 'data', 'stringData'] })
    case 'v1/Service':
      return new k8s.core.v1.Service(name, args as k8s.core.v1.ServiceArgs, opts)
    case 'v1/ServiceAccount':
      return new k8s.core.v1.ServiceAccount(name, args as k8s.core.v1.ServiceAccountArgs, opts)
    case 'apps/v1/Deployment':
      return new k8s.apps.v1.Deployment(name, args as k8s.apps.v1.DeploymentArgs, opts)
    case 'networking.k8s.io/v1/NetworkPolicy':
      return new k8s.networking.v1.NetworkPolicy(name, args as k8s.networking.v1.NetworkPolicyArgs, opts)
    case 'rbac.authorization.k8s.io/v1/Role':
      return new k8s.rbac.v1.Role(name, args as k8s.rbac.v1.RoleArgs, opts)
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      return new k8s.rbac.v1.RoleBinding(name, args as k8s.rbac.v1.RoleBindingArgs, opts)
    case 'rbac.authorization.k8s.io/v1/ClusterRole':
      return new k8s.rbac.v1.ClusterRole(name, args as k8s.rbac.v1.ClusterRoleArgs, opts)
    case 'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
      return new k8s.rbac.v1.ClusterRoleBinding(name, args as k8s.rbac.v1.ClusterRoleBindingArgs, opts)
    default:
      // CRDs (ExternalSecret): kubernetes-models and the provider have no typed class for them.
      return new k8s.apiextensions.CustomResource(name, args as k8s.apiextensions.CustomResourceArgs, opts)
  }
}

/** `<component>-<kind>-<name>`: Pulumi names must be unique per type, and these stay stable across runs. */
export function childName(component: string, obj: K8sObject, withNamespace = false): string {
  const ns = withNamespace && obj.metadata.namespace ? `${obj.metadata.namespace}-` : ''
  return `${component}-${ns}${obj.kind.toLowerCase()}-${obj.metadata.name}`
}

/**
 * Creates every object as a child of `parent`. Objects in a namespace listed in
 * `namespaces` get that Input as their namespace (and so depend on it).
 */
export function createChildren(
  parent: pulumi.ComponentResource,
  component: string,
  objects: readonly K8sObject[],
  namespaces: Readonly<Record<string, pulumi.Input<string>>> = {},
  opts: { withNamespace?: boolean; dependsOn?: pulumi.Input<pulumi.Resource>[] } = {},
): pulumi.CustomResource[] {
  return objects.map((o) => {
    const ns = o.metadata.namespace === undefined ? undefined : namespaces[o.metadata.namespace]
    return createK8sObject(childName(component, o, opts.withNamespace), o, { parent, ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}) }, ns)
  })
}
