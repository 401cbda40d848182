import * as pulumi from '@pulumi/pulumi'
import type * as k8s from '@pulumi/kubernetes'
import { SYSTEM_NAMESPACE, type K8sObject } from '../desired/types.js'
import { HUB_NAME } from '../desired/wireguard-hub.js'
import { createChildren } from './k8s-object.js'

export interface WireguardHubArgs {
  /** `lastmile-system`, ideally `SystemNamespace.namespaceName`, so the hub waits for its namespace. */
  readonly namespace: pulumi.Input<string>
  /**
   * Peer ConfigMap, key references (ExternalSecret or empty Secret), Deployment
   * and Service from `desired/wireguard-hub.ts` (plain: one resource each).
   */
  readonly objects: readonly K8sObject[]
  /** host:port the stations dial (public DNS name of the hub's load balancer or node). */
  readonly publicEndpoint: pulumi.Input<string>
  /** The hub's WireGuard public key. Public: stations pin it. The private key stays in the secret store. */
  readonly publicKey: pulumi.Input<string>
}

/** The WireGuard hub every station tunnels to. */
export class WireguardHub extends pulumi.ComponentResource {
  readonly endpoint: pulumi.Output<string>
  readonly publicKey: pulumi.Output<string>
  /** What the cluster assigned to the Service (load balancer IP or hostname), once it has. */
  readonly serviceIngress: pulumi.Output<string | undefined>

  constructor(name: string, args: WireguardHubArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:WireguardHub', name, {}, opts)
    const [configAndSecrets, workloads] = [args.objects.filter((o) => o.kind !== 'Deployment'), args.objects.filter((o) => o.kind === 'Deployment')]
    const deps = createChildren(this, name, configAndSecrets, { [SYSTEM_NAMESPACE]: args.namespace })
    // The pod mounts the ConfigMap and Secrets: create them first.
    createChildren(this, name, workloads, { [SYSTEM_NAMESPACE]: args.namespace }, { dependsOn: deps })
    const serviceIndex = configAndSecrets.findIndex((o) => o.kind === 'Service' && o.metadata.name === HUB_NAME)
    const service = deps[serviceIndex] as k8s.core.v1.Service | undefined
    this.endpoint = pulumi.output(args.publicEndpoint)
    this.publicKey = pulumi.output(args.publicKey)
    this.serviceIngress = service ? service.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip ?? s?.loadBalancer?.ingress?.[0]?.hostname) : pulumi.output(undefined)
    this.registerOutputs({ endpoint: this.endpoint, publicKey: this.publicKey, serviceIngress: this.serviceIngress })
  }
}
