import * as pulumi from '@pulumi/pulumi'
import { SYSTEM_NAMESPACE, type K8sObject } from '../desired/types.js'
import { BLACKBOX_NAME, BLACKBOX_PORT } from '../desired/monitoring.js'
import { createChildren } from './k8s-object.js'

export interface StationMonitoringArgs {
  /** `lastmile-system`, ideally `SystemNamespace.namespaceName`. */
  readonly namespace: pulumi.Input<string>
  /** Blackbox exporter, scrape config, alert and inhibit rules from `desired/monitoring.ts` (plain). */
  readonly objects: readonly K8sObject[]
  /** The monitoring address stations report to (from the inventory's district section). */
  readonly address: pulumi.Input<string>
}

/** Probes every active station (ping and SSH banner) and the alerts on them. */
export class StationMonitoring extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>
  /** In-cluster address of the blackbox exporter, for the district Prometheus. */
  readonly exporterAddress: pulumi.Output<string>

  constructor(name: string, args: StationMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lastmile:district:StationMonitoring', name, {}, opts)
    const configMaps = args.objects.filter((o) => o.kind === 'ConfigMap')
    const rest = args.objects.filter((o) => o.kind !== 'ConfigMap')
    const deps = createChildren(this, name, configMaps, { [SYSTEM_NAMESPACE]: args.namespace })
    createChildren(this, name, rest, { [SYSTEM_NAMESPACE]: args.namespace }, { dependsOn: deps })
    this.address = pulumi.output(args.address)
    this.exporterAddress = pulumi.interpolate`${BLACKBOX_NAME}.${args.namespace}.svc:${BLACKBOX_PORT}`
    this.registerOutputs({ address: this.address, exporterAddress: this.exporterAddress })
  }
}
