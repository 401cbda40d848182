import { ConfigMap } from 'kubernetes-models/v1'
import type { Station, Town } from '../../inventory/model.js'
import { NAME_ANNOTATION, baseLabels, jsonValue, plain, townNamespace, type K8sObject } from './types.js'

export const REGISTRY_CONFIGMAP = 'station-registry'

/** What the registry says about a station: facts town admins look up, nothing secret. */
export interface RegistryEntry {
  id: string
  name: string
  kind: string
  hasStation: boolean
  management: string
  wan: { type: string; carrier: string; bandwidthMbps: number; backup?: string }
  devices: number
  fibre: string
}

export function registryEntry(s: Station): RegistryEntry {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    hasStation: s.hasStation,
    management: s.management.address,
    wan: { type: s.wan.type, carrier: s.wan.carrier, bandwidthMbps: s.wan.bandwidthMbps, ...(s.wanBackup ? { backup: `${s.wanBackup.type} ${s.wanBackup.carrier}` } : {}) },
    devices: s.devices.reduce((n, d) => n + d.count, 0),
    fibre: s.fibreUpgrade.status,
  }
}

/** One key per committee of the town (those without a station yet too, marked `hasStation: false`). */
export function registryObjects(town: Pick<Town, 'code' | 'name' | 'slug' | 'stations'>): K8sObject[] {
  const data: Record<string, string> = {}
  for (const s of town.stations) data[s.id] = jsonValue(registryEntry(s))
  return [
    plain(
      new ConfigMap({
        metadata: { name: REGISTRY_CONFIGMAP, namespace: townNamespace(town), labels: baseLabels('station-registry'), annotations: { [NAME_ANNOTATION]: `${town.name}服务站登记` } },
        data,
      }),
    ),
  ]
}
