import { z } from 'zod'

/**
 * The stack configuration of the district program (`Pulumi.<stack>.yaml`,
 * keys under `lastmile-district:`). The Pulumi program and `infra render` read
 * it through this one schema, so both produce the same objects.
 */

export const PROJECT = 'lastmile-district'

/**
 * An image pinned by tag or digest. `:latest` (or no tag) would let a node
 * restart pull a different hub or portal than the one reviewed.
 */
export const pinnedImage = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/, 'an image pinned by tag or digest, e.g. lscr.io/linuxserver/wireguard:1.0.20210914')
  .refine((s) => !/:latest$/.test(s), 'pin a real version: `:latest` changes under you')

const secretRefName = z.string().regex(/^[a-z0-9][a-z0-9/_.-]{0,127}$/, 'a secret name like wireguard/hub')

export const DEFAULT_IMAGES = {
  wireguard: 'lscr.io/linuxserver/wireguard:1.0.20210914',
  blackboxExporter: 'quay.io/prometheus/blackbox-exporter:v0.25.0',
  portal: 'registry.qingcheng.example.cn/lastmile/village-portal:1.0.0',
} as const

export const cloudConfigSchema = z.strictObject({
  /** Inventory folder, relative to the repository root (the `--inventory` flag overrides it). */
  inventory: z.string().min(1).default('inventory/qingcheng'),
  /** kubeconfig context the stack deploys to; without it the current context is used (a warning). */
  kubeContext: z.string().min(1).optional(),
  images: z
    .strictObject({
      wireguard: pinnedImage.default(DEFAULT_IMAGES.wireguard),
      blackboxExporter: pinnedImage.default(DEFAULT_IMAGES.blackboxExporter),
      portal: pinnedImage.default(DEFAULT_IMAGES.portal),
    })
    .prefault({}),
  hub: z
    .strictObject({
      /** host:port the stations dial; defaults to district.yaml `hub.endpoint`. */
      endpoint: z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, 'host:port').optional(),
      /** The hub's WireGuard public key (public); defaults to district.yaml `hub.publicKey`. */
      publicKey: z.string().regex(/^[A-Za-z0-9+/]{42,43}=$/, 'a WireGuard public key (44 base64 characters)').optional(),
      serviceType: z.enum(['LoadBalancer', 'NodePort']).default('LoadBalancer'),
      /** With NodePort: the node port (30000–32767); Kubernetes picks one when absent. */
      nodePort: z.int().min(30000).max(32767).optional(),
      listenPort: z.int().min(1).max(65535).default(51820),
      /** Where the hub's private key lives in the secret store. Only this name reaches the cluster. */
      privateKeyRef: secretRefName.default('wireguard/hub'),
    })
    .prefault({}),
  /**
   * The external-secrets.io store that holds the keys. Absent: Secret
   * placeholders without data are created and filled by hand (`kubectl create secret`).
   */
  secretStore: z
    .strictObject({
      kind: z.enum(['ClusterSecretStore', 'SecretStore']).default('ClusterSecretStore'),
      name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a Kubernetes object name'),
    })
    .optional(),
  portal: z
    .strictObject({
      /** Public URL of the portal; defaults to district.yaml `cloud.portal.url`. */
      url: z.url().optional(),
      replicas: z.int().min(1).max(20).default(2),
      serviceType: z.enum(['ClusterIP', 'LoadBalancer', 'NodePort']).default('ClusterIP'),
      /** With NodePort: the node port (30000–32767). */
      nodePort: z.int().min(30000).max(32767).optional(),
      /** Where page content comes from: `<contentSource>/<town>/<station>/<section>`. */
      contentSource: z.string().min(1).default('cms://qingcheng'),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      scrapeInterval: z.string().regex(/^\d+[smh]$/, 'a Prometheus duration like 60s').default('60s'),
    })
    .prefault({}),
})

export type CloudConfig = z.output<typeof cloudConfigSchema>

/** A config with every default, for tests and for inventories without a stack. */
export function defaultCloudConfig(overrides: z.input<typeof cloudConfigSchema> = {}): CloudConfig {
  return cloudConfigSchema.parse(overrides)
}

/**
 * Pulumi stack config (`{"lastmile-district:images": {...}, "kubernetes:context": ...}`)
 * → the raw object for `cloudConfigSchema`: keys of other namespaces are not ours.
 */
export function projectKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${PROJECT}:`)) out[key.slice(PROJECT.length + 1)] = value
  }
  return out
}
