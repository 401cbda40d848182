/**
 * The vocabulary of the desired cloud state: plain Kubernetes objects (what
 * `kubectl apply` would take), the names and labels every part agrees on.
 * Pure: no Pulumi, no I/O.
 */

export interface ObjectMeta {
  name: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** A Kubernetes object as plain data, ready for YAML or for a Pulumi resource's args. */
export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [field: string]: unknown
}

/** The town fields the cloud side needs (as on `Station.town`). */
export interface TownRef {
  code: string
  name: string
  slug: string
}

export const SYSTEM_NAMESPACE = 'lastmile-system'
export const LABEL_PREFIX = 'lastmile.qingcheng'
export const NBS_CODE_LABEL = `${LABEL_PREFIX}/nbs-code`
export const TOWN_LABEL = `${LABEL_PREFIX}/town`
/** Chinese names cannot be label values (ASCII only, 63 characters): they go in this annotation. */
export const NAME_ANNOTATION = `${LABEL_PREFIX}/name`
/** The inventory secret reference a secret object stands for (a name, never a value). */
export const SECRET_REF_ANNOTATION = `${LABEL_PREFIX}/secret-ref`

/** Namespace of a town: `town-<slug>`. Slugs are labels only; the NBS code is on the namespace as a label. */
export function townNamespace(town: Pick<TownRef, 'slug'>): string {
  return `town-${town.slug}`
}

/** Labels on everything lastmile creates, so `kubectl get -l app.kubernetes.io/managed-by=lastmile` finds it all. */
export function baseLabels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'lastmile',
    'app.kubernetes.io/part-of': 'lastmile',
    'app.kubernetes.io/component': component,
  }
}

/**
 * kubernetes-models classes give compile-time field checks and `.validate()`;
 * the rest of lastmile wants plain data (YAML, Pulumi args, tests).
 */
export function plain(model: { toJSON(): unknown }): K8sObject {
  return JSON.parse(JSON.stringify(model.toJSON())) as K8sObject
}

/** `Kind ns/name` (or `Kind name` for cluster-scoped objects): how problems and summaries name an object. */
export function describeObject(o: Pick<K8sObject, 'kind' | 'metadata'>): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
}

/** Deterministic JSON for ConfigMap values: sorted keys are not needed, insertion order is fixed by the builders. */
export function jsonValue(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}
