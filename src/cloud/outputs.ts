import type { Inventory } from '../inventory/model.js'

/**
 * What the stations need from the cloud side: the WireGuard hub they tunnel to,
 * and the addresses of monitoring and the village video portal. The Pulumi
 * stack exports these; until a stack exists (or without the pulumi CLI) they
 * come from the inventory's district section. Station templates consume only this.
 */
export interface CloudOutputs {
  source: 'inventory' | 'pulumi-stack'
  hub: { endpoint: string; publicKey: string; address: string; tunnelSubnet: string }
  portal: { address: string; url: string }
  monitoring: { address: string }
  cloudSubnet: string
  dns: string[]
  ntp: string[]
}

export function outputsFromInventory(inv: Inventory): CloudOutputs {
  const d = inv.district
  return {
    source: 'inventory',
    hub: { endpoint: d.hub.endpoint, publicKey: d.hub.publicKey, address: d.hub.address, tunnelSubnet: d.hub.tunnelSubnet },
    portal: { address: d.cloud.portal.address, url: d.cloud.portal.url },
    monitoring: { address: d.cloud.monitoring.address },
    cloudSubnet: d.cloud.subnet,
    dns: [...d.cloud.dns],
    ntp: [...d.cloud.ntp],
  }
}
