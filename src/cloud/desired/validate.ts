import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import { pinnedImage } from '../config.js'
import { EXTERNAL_SECRET_API, externalSecretSchema } from './secrets.js'
import { describeObject, type K8sObject } from './types.js'

/** A problem with one desired object; `validateDesired` returns every one it finds. */
export interface DesiredProblem {
  object: string
  field?: string
  message: string
}

type Validator = (o: K8sObject) => void
const model =
  (Ctor: new (data: never) => { validate(): void }): Validator =>
  (o) => new Ctor(o as never).validate()

/** Every kind lastmile emits and how it is checked. Anything else is a problem (a typo in a builder). */
const VALIDATORS: Record<string, { validate: Validator; namespaced: boolean }> = {
  'v1/Namespace': { validate: model(Namespace), namespaced: false },
  'v1/ConfigMap': { validate: model(ConfigMap), namespaced: true },
  'v1/Secret': { validate: model(Secret), namespaced: true },
  'v1/Service': { validate: model(Service), namespaced: true },
  'v1/ServiceAccount': { validate: model(ServiceAccount), namespaced: true },
  'apps/v1/Deployment': { validate: model(Deployment), namespaced: true },
  'networking.k8s.io/v1/NetworkPolicy': { validate: model(NetworkPolicy), namespaced: true },
  'rbac.authorization.k8s.io/v1/Role': { validate: model(Role), namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { validate: model(RoleBinding), namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': { validate: model(ClusterRole), namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { validate: model(ClusterRoleBinding), namespaced: false },
  [`${EXTERNAL_SECRET_API}/ExternalSecret`]: {
    validate: (o) => {
      const r = externalSecretSchema.safeParse(o)
      if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`).join('; '))
    },
    namespaced: true,
  },
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]{1,253}$/
/** etcd's limit on one object is 1.5 MiB; ConfigMaps are capped at 1 MiB of data. */
const CONFIGMAP_MAX_BYTES = 1024 * 1024

/**
 * Checks the desired objects as the API server would before anyone runs
 * Pulumi: schema (kubernetes-models; a zod schema for ExternalSecret),
 * names, labels (ASCII only: Chinese names belong in annotations),
 * namespaces that exist, no duplicates, no secret data, pinned images.
 */
export function validateDesired(objects: readonly K8sObject[]): DesiredProblem[] {
  const problems: DesiredProblem[] = []
  const seen = new Set<string>()
  const namespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name))

  for (const o of objects) {
    const id = describeObject(o)
    const add = (message: string, field?: string): void => {
      problems.push({ object: id, message, ...(field ? { field } : {}) })
    }
    const entry = VALIDATORS[`${o.apiVersion}/${o.kind}`]
    if (!entry) {
      add(`unknown kind ${o.apiVersion}/${o.kind}`)
      continue
    }
    try {
      entry.validate(o)
    } catch (err) {
      add(`schema: ${(err as Error).message}`)
    }

    const nameRule = o.kind === 'Namespace' || o.kind === 'Service' ? DNS_LABEL : DNS_SUBDOMAIN
    if (!nameRule.test(o.metadata.name)) add(`name ${JSON.stringify(o.metadata.name)} is not a valid Kubernetes name`, 'metadata.name')
    if (entry.namespaced && !o.metadata.namespace) add('namespaced object without a namespace', 'metadata.namespace')
    if (!entry.namespaced && o.metadata.namespace) add('cluster-scoped object with a namespace', 'metadata.namespace')
    if (o.metadata.namespace && !namespaces.has(o.metadata.namespace)) add(`namespace ${o.metadata.namespace} is not among the desired namespaces`, 'metadata.namespace')

    const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`
    if (seen.has(key)) add('defined twice')
    seen.add(key)

    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      if (!LABEL_KEY.test(k)) add(`label key ${JSON.stringify(k)} is not valid`, `metadata.labels.${k}`)
      if (!LABEL_VALUE.test(v)) add(`label value ${JSON.stringify(v)} is not valid (ASCII letters, digits, - _ . and at most 63 characters; put names in an annotation)`, `metadata.labels.${k}`)
    }

    if (o.kind === 'Secret' && (o.data !== undefined || o.stringData !== undefined)) add('a Secret with data: secrets reach the cluster through the secret store, never in an object lastmile writes', 'data')
    if (o.kind === 'ConfigMap') {
      const data = (o.data ?? {}) as Record<string, string>
      let bytes = 0
      for (const [k, v] of Object.entries(data)) {
        if (!CONFIGMAP_KEY.test(k)) add(`ConfigMap key ${JSON.stringify(k)} is not valid`, `data.${k}`)
        bytes += Buffer.byteLength(k) + Buffer.byteLength(v)
      }
      if (bytes > CONFIGMAP_MAX_BYTES) add(`ConfigMap data is ${bytes} bytes; the limit is ${CONFIGMAP_MAX_BYTES}`, 'data')
    }
    for (const image of imagesOf(o)) {
      const r = pinnedImage.safeParse(image)
      if (!r.success) add(`image ${image}: ${r.error.issues[0]?.message ?? 'not pinned'}`, 'spec.template.spec.containers')
    }
  }
  return problems
}

function imagesOf(o: K8sObject): string[] {
  if (o.kind !== 'Deployment') return []
  const pod = (o.spec as { template?: { spec?: { containers?: Array<{ image?: string }>; initContainers?: Array<{ image?: string }> } } } | undefined)?.template?.spec
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map((c) => c.image ?? '')
}
