import { createHash } from 'node:crypto'
import { ConfigMap, Service } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import type { Inventory, Station } from '../../inventory/model.js'
import type { CloudConfig } from '../config.js'
import { secretObject } from './secrets.js'
import { NAME_ANNOTATION, SYSTEM_NAMESPACE, baseLabels, jsonValue, plain, type K8sObject } from './types.js'

export const HUB_NAME = 'wireguard-hub'
export const HUB_KEY_SECRET = 'wireguard-hub-key'
export const PEER_KEYS_SECRET = 'wireguard-peer-keys'
export const PEERS_CONFIGMAP = 'wireguard-peers'

/**
 * Where a station's public key is kept in the secret store: next to its
 * private key ref, with `.pub`. The hub never gets a station's private key.
 */
export function publicKeyRef(station: Pick<Station, 'tunnel'>): string {
  return `${station.tunnel.privateKey.secret}.pub`
}

export interface HubPeer {
  station: string
  name: string
  town: string
  allowedIPs: string[]
  publicKeyRef: { secret: string; key: string; storeRef: string }
}

/** One peer per active station; the tunnel carries only its management address. */
export function hubPeers(inv: Pick<Inventory, 'stations'>): HubPeer[] {
  return inv.stations.filter((s) => s.hasStation).map((s) => ({
    station: s.id,
    name: s.name,
    town: s.town.slug,
    allowedIPs: [`${s.management.address}/32`],
    publicKeyRef: { secret: PEER_KEYS_SECRET, key: s.id, storeRef: publicKeyRef(s) },
  }))
}

/*
 * The init container writes wg0.conf from the mounted peer list and keys, so
 * key values exist only in the pod's memory-backed volume.
 */
const ASSEMBLE_SCRIPT = `#!/bin/sh
# Writes /config/wg_confs/wg0.conf from the peer list and the mounted keys.
set -eu
umask 077
mkdir -p /config/wg_confs
out=/config/wg_confs/wg0.conf
{
  printf '[Interface]\\nAddress = %s\\nListenPort = %s\\nPrivateKey = %s\\n' "$HUB_ADDRESS" "$HUB_LISTEN_PORT" "$(cat /lastmile/hub-key/privateKey)"
  while IFS='\t' read -r id allowed; do
    [ -n "$id" ] || continue
    printf '\\n[Peer]\\n# station %s\\nPublicKey = %s\\nAllowedIPs = %s\\n' "$id" "$(cat "/lastmile/peer-keys/$id")" "$allowed"
  done < /lastmile/peers/peers.tsv
} > "$out"
`

export function wireguardHubObjects(inv: Pick<Inventory, 'district' | 'stations'>, config: CloudConfig): K8sObject[] {
  const namespace = SYSTEM_NAMESPACE
  const labels = { ...baseLabels('wireguard-hub'), 'app.kubernetes.io/name': HUB_NAME }
  const selector = { 'app.kubernetes.io/name': HUB_NAME }
  const peers = hubPeers(inv)
  const prefix = inv.district.hub.tunnelSubnet.split('/')[1] ?? '32'
  const port = config.hub.listenPort

  const peersData = {
    'peers.json': jsonValue({ hub: { address: `${inv.district.hub.address}/${prefix}`, listenPort: port }, peers }),
    'peers.tsv': peers.map((p) => `${p.station}\t${p.allowedIPs.join(',')}\n`).join(''),
    'assemble.sh': ASSEMBLE_SCRIPT,
  }
  const peersHash = createHash('sha256').update(JSON.stringify(peersData)).digest('hex')

  const objects: K8sObject[] = [
    plain(new ConfigMap({ metadata: { name: PEERS_CONFIGMAP, namespace, labels }, data: peersData })),
    secretObject(config, { name: HUB_KEY_SECRET, namespace, component: 'wireguard-hub' }, [{ key: 'privateKey', ref: config.hub.privateKeyRef }]),
  ]
  if (peers.length > 0) {
    objects.push(secretObject(config, { name: PEER_KEYS_SECRET, namespace, component: 'wireguard-hub' }, peers.map((p) => ({ key: p.station, ref: p.publicKeyRef.storeRef }))))
  }

  const secretVolume = (name: string, secretName: string) => ({ name, secret: { secretName, defaultMode: 0o400 } })
  objects.push(
    plain(
      new Deployment({
        metadata: { name: HUB_NAME, namespace, labels, annotations: { [NAME_ANNOTATION]: `${inv.district.name} WireGuard hub` } },
        spec: {
          replicas: 1,
          // Two hubs with one key would steal each other's peers: never overlap.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: { 'lastmile.qingcheng/peers-sha256': peersHash } },
            spec: {
              initContainers: [
                {
                  name: 'assemble-config',
                  image: config.images.wireguard,
                  command: ['/bin/sh', '/lastmile/peers/assemble.sh'],
                  env: [
                    { name: 'HUB_ADDRESS', value: `${inv.district.hub.address}/${prefix}` },
                    { name: 'HUB_LISTEN_PORT', value: String(port) },
                  ],
                  volumeMounts: [
                    { name: 'config', mountPath: '/config' },
                    { name: 'peers', mountPath: '/lastmile/peers', readOnly: true },
                    { name: 'hub-key', mountPath: '/lastmile/hub-key', readOnly: true },
                    ...(peers.length > 0 ? [{ name: 'peer-keys', mountPath: '/lastmile/peer-keys', readOnly: true }] : []),
                  ],
                },
              ],
              containers: [
                {
                  name: 'wireguard',
                  image: config.images.wireguard,
                  ports: [{ name: 'wireguard', containerPort: port, protocol: 'UDP' }],
                  env: [
                    { name: 'TZ', value: 'Asia/Shanghai' },
                    { name: 'PUID', value: '1000' },
                    { name: 'PGID', value: '1000' },
                  ],
                  securityContext: { capabilities: { add: ['NET_ADMIN'] } },
                  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                  volumeMounts: [{ name: 'config', mountPath: '/config' }],
                },
              ],
              volumes: [
                { name: 'config', emptyDir: { medium: 'Memory' } },
                { name: 'peers', configMap: { name: PEERS_CONFIGMAP } },
                secretVolume('hub-key', HUB_KEY_SECRET),
                ...(peers.length > 0 ? [secretVolume('peer-keys', PEER_KEYS_SECRET)] : []),
              ],
            },
          },
        },
      }),
    ),
    plain(
      new Service({
        metadata: { name: HUB_NAME, namespace, labels },
        spec: {
          type: config.hub.serviceType,
          selector,
          ports: [
            {
              name: 'wireguard',
              protocol: 'UDP',
              port,
              targetPort: port,
              ...(config.hub.serviceType === 'NodePort' && config.hub.nodePort ? { nodePort: config.hub.nodePort } : {}),
            },
          ],
        },
      }),
    ),
  )
  return objects
}
