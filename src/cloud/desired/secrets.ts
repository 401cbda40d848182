import { z } from 'zod'
import { Secret } from 'kubernetes-models/v1'
import type { CloudConfig } from '../config.js'
import { SECRET_REF_ANNOTATION, baseLabels, plain, type K8sObject } from './types.js'

/*
 * Secrets reach the cluster only as references: an ExternalSecret (the
 * external-secrets.io operator copies the value from the district's store),
 * or, without a store, a Secret with no data that an admin fills by hand.
 * A value never appears in an object lastmile writes.
 */

export const EXTERNAL_SECRET_API = 'external-secrets.io/v1beta1'

const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a Kubernetes object name')
const stringMap = z.record(z.string(), z.string())

/** The fields of external-secrets.io/v1beta1 ExternalSecret that lastmile writes (kubernetes-models does not ship the CRD). */
export const externalSecretSchema = z.strictObject({
  apiVersion: z.literal(EXTERNAL_SECRET_API),
  kind: z.literal('ExternalSecret'),
  metadata: z.strictObject({ name, namespace: name, labels: stringMap.optional(), annotations: stringMap.optional() }),
  spec: z.strictObject({
    refreshInterval: z.string().regex(/^\d+[smh]$/),
    secretStoreRef: z.strictObject({ kind: z.enum(['ClusterSecretStore', 'SecretStore']), name }),
    target: z.strictObject({ name, creationPolicy: z.enum(['Owner', 'Orphan', 'Merge', 'None']) }),
    data: z
      .array(
        z.strictObject({
          secretKey: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'a Secret key'),
          remoteRef: z.strictObject({ key: z.string().min(1), property: z.string().min(1).optional() }),
        }),
      )
      .min(1),
  }),
})

export type ExternalSecret = z.output<typeof externalSecretSchema>

export interface SecretEntry {
  /** Key inside the Kubernetes Secret. */
  key: string
  /** Name in the secret store (the inventory's `{secret: …}` reference). */
  ref: string
}

/**
 * A Secret the workloads mount, as an ExternalSecret when a store is
 * configured, else as an empty placeholder that names the refs to fill in.
 */
export function secretObject(config: Pick<CloudConfig, 'secretStore'>, meta: { name: string; namespace: string; component: string }, entries: readonly SecretEntry[]): K8sObject {
  const labels = baseLabels(meta.component)
  const refs = entries.map((e) => `${e.key}=${e.ref}`).join(',')
  if (!config.secretStore) {
    return plain(
      new Secret({
        metadata: {
          name: meta.name,
          namespace: meta.namespace,
          labels: { ...labels, 'lastmile.qingcheng/placeholder': 'true' },
          annotations: { [SECRET_REF_ANNOTATION]: refs },
        },
        type: 'Opaque',
      }),
    )
  }
  const es: ExternalSecret = {
    apiVersion: EXTERNAL_SECRET_API,
    kind: 'ExternalSecret',
    metadata: { name: meta.name, namespace: meta.namespace, labels },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: config.secretStore.kind, name: config.secretStore.name },
      target: { name: meta.name, creationPolicy: 'Owner' },
      data: entries.map((e) => ({ secretKey: e.key, remoteRef: { key: e.ref } })),
    },
  }
  return es as K8sObject
}
