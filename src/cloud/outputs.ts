import type { Inventory } from '../inventory/model.js'
import { SECRET_MASK } from '../secrets/secret.js'

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

/** A missing or mistyped stack output: the stack was never deployed, or by another program. */
export class StackOutputsError extends Error {
  constructor(readonly missing: string[]) {
    super(`the stack has no usable ${missing.join(', ')} output${missing.length === 1 ? '' : 's'}`)
    this.name = 'StackOutputsError'
  }
}

/**
 * Maps the stack's outputs to what stations consume. Accepts plain values
 * (`{hubEndpoint: '…'}`) or the Automation API's `{hubEndpoint: {value, secret}}`.
 * What the stack does not export (hub address, tunnel subnet, portal address,
 * DNS, NTP) comes from the inventory, as the program itself takes it from there.
 * Throws StackOutputsError naming the outputs that are missing.
 */
export function outputsFromStack(stackOutputs: Record<string, unknown>, inv: Inventory): CloudOutputs {
  const value = (key: string): unknown => {
    const v = stackOutputs[key]
    return typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v
  }
  const str = (key: string): string | undefined => {
    const v = value(key)
    return typeof v === 'string' && v.length > 0 && v !== SECRET_MASK && v !== '[secret]' ? v : undefined
  }
  const hubEndpoint = str('hubEndpoint')
  const hubPublicKey = str('hubPublicKey')
  const portalUrl = str('portalUrl')
  const monitoringAddress = str('monitoringAddress')
  const missing = Object.entries({ hubEndpoint, hubPublicKey, portalUrl, monitoringAddress })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k)
  if (missing.length > 0 || !hubEndpoint || !hubPublicKey || !portalUrl || !monitoringAddress) throw new StackOutputsError(missing)
  const base = outputsFromInventory(inv)
  return {
    ...base,
    source: 'pulumi-stack',
    hub: { ...base.hub, endpoint: hubEndpoint, publicKey: hubPublicKey },
    portal: { ...base.portal, url: portalUrl },
    monitoring: { address: monitoringAddress },
  }
}
