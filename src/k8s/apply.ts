/**
 * Server-side apply of rendered objects (https://kubernetes.io/docs/reference/using-api/server-side-apply/):
 * PATCH with content type `application/apply-patch+yaml`, a field manager, and `force` only when asked; or its
 * server-side dry run (`dryRun=All`), which checks the same and stores nothing. Each
 * object is read first, so the result says whether it was created, changed, or left as it was (an apply that
 * changes nothing leaves the resourceVersion alone).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubernetesError } from '../core/errors';
import { dryRunUnsupportedMessage, httpStatusOf, toKubernetesError, type RequestDescription } from './api-error';
import type { Cluster } from './cluster';
import type { KubeObject } from './render-run';

/** Field manager of `metatrain launch`. */
export const LAUNCH_FIELD_MANAGER = 'metatrain';

/**
 * What an apply did to one object: `created`, `configured` (changed), `unchanged`, or `assumed` (the namespace,
 * when the caller may not read or patch namespaces: it is taken to exist).
 */
export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'assumed';

/** One applied object. */
export interface ApplyResult {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly action: ApplyAction;
}

/** How to apply. */
export interface ApplyOptions {
  /** Take over fields owned by other field managers instead of failing with 409 (kubectl's --force-conflicts). */
  readonly forceConflicts?: boolean;
}

/**
 * The plural resource name of a kind, from API discovery (cached by the client).
 * @throws KubernetesError (404, reason `NotServed`) when the cluster does not serve the kind; for the
 *   monitoring.coreos.com kinds the message says to install the Prometheus Operator or disable monitoring.
 */
export async function resourceOf(cluster: Cluster, apiVersion: string, kind: string, namespace: string): Promise<string> {
  let resource: { name: string } | undefined;
  try {
    resource = await cluster.objects.discover(apiVersion, kind);
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw toKubernetesError(err, { verb: 'get', resource: `API discovery of ${apiVersion}`, kind, namespace }, cluster);
  }
  if (resource === undefined) {
    const hint = apiVersion.startsWith('monitoring.coreos.com/')
      ? ' Install the Prometheus Operator (for example the kube-prometheus-stack Helm chart) or set kubernetes.monitoring.enabled: false in the config.'
      : ' Use a newer cluster or check --context.';
    throw new KubernetesError(`the cluster does not serve ${apiVersion} ${kind}.${hint}`, 404, 'NotServed');
  }
  return resource.name;
}

/** Reads an object; undefined when it does not exist. */
async function readOrUndefined(cluster: Cluster, object: KubeObject, r: RequestDescription): Promise<KubernetesObject | undefined> {
  const { apiVersion, kind, metadata } = object;
  try {
    return await cluster.objects.read({ apiVersion, kind, metadata: { name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}) } });
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw toKubernetesError(err, { ...r, verb: 'get' }, cluster);
  }
}

/**
 * Applies one object with field manager `fieldManager` and reports what changed.
 * @throws KubernetesError for every refusal of the API server (403, 409 conflict, 422, ...; see api-error.ts).
 */
export async function applyObject(cluster: Cluster, object: KubeObject, fieldManager: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const { before, after } = await apply(cluster, object, fieldManager, options, false);
  const action: ApplyAction = before === undefined ? 'created' : before.metadata?.resourceVersion === after.metadata?.resourceVersion ? 'unchanged' : 'configured';
  return { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, action };
}

/**
 * A server-side dry run (`dryRun=All`) of {@link applyObject}: the API server checks everything a real apply would,
 * field conflicts, validation (422) and authorization (403) included, and stores nothing.
 * @returns whether the object exists.
 * @throws KubernetesError as {@link applyObject} would for the same apply; with reason `DryRunUnsupported` (400) when
 *   an admission webhook with side effects makes the API server refuse every dry run (api-error.ts
 *   dryRunUnsupportedMessage), its message then the server's.
 */
export async function dryRunApply(cluster: Cluster, object: KubeObject, fieldManager: string, options: ApplyOptions = {}): Promise<boolean> {
  return (await apply(cluster, object, fieldManager, options, true)).before !== undefined;
}

/** Reads `object`, then applies it (a dry run when `dryRun`); the object before, undefined when absent, and after. */
async function apply(cluster: Cluster, object: KubeObject, fieldManager: string, options: ApplyOptions, dryRun: boolean): Promise<{ before: KubernetesObject | undefined; after: KubernetesObject }> {
  const namespace = object.metadata.namespace;
  const resource = await resourceOf(cluster, object.apiVersion, object.kind, namespace ?? '');
  const r: RequestDescription = { verb: 'patch', resource, kind: object.kind, name: object.metadata.name, namespace: namespace ?? '' };
  const before = await readOrUndefined(cluster, object, r);
  try {
    return { before, after: await cluster.objects.serverSideApply(object, fieldManager, options.forceConflicts === true, dryRun) };
  } catch (err) {
    const unsupported = dryRun ? dryRunUnsupportedMessage(err) : undefined;
    if (unsupported !== undefined) throw new KubernetesError(unsupported, 400, 'DryRunUnsupported', { cause: err });
    throw toKubernetesError(err, r, cluster);
  }
}
