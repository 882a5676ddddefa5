/**
 * The stub's answers to resource requests: get, list (label selector), delete, server-side apply
 * (`application/apply-patch+yaml`: fieldManager required, name must match, conflicts → 409 with
 * FieldManagerConflict causes; `dryRun=All` answers the same, conflicts included, and stores nothing), JSON merge patch, and the Deployment `scale` subresource (autoscaling/v1 Scale).
 * An apply or patch that changes nothing keeps the resourceVersion.
 */
import { isDeepStrictEqual } from 'node:util';
import { mergePatch, serverSideApply } from './field-ownership';
import { parseLabelSelector } from './label-selector';
import { withType, type ObjectStore, type Stored } from './object-store';
import { groupVersion, type ServedResource } from './resources';
import { fail, HttpFailure, statusObject, type Obj } from './status-error';

/** A parsed resource path. */
export interface Route {
  readonly resource: ServedResource;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  /** Path after `/proxy/` for the service proxy. */
  readonly rest: string;
}

/** The request a handler answers. */
export interface ResourceRequest {
  readonly route: Route;
  readonly method: string;
  readonly query: URLSearchParams;
  readonly body: Obj | undefined;
  readonly contentType: string | undefined;
}

function scaleOf(s: Stored): Obj {
  const selector = Object.entries((s.object['spec']?.selector?.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  const meta = s.object['metadata'];
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: s.object['spec']?.replicas ?? 1 },
    status: { replicas: s.object['status']?.replicas ?? 0, selector },
  };
}

function applyPatch(store: ObjectStore, req: ResourceRequest, existing: Stored | undefined, body: Obj): [number, Obj] {
  const { resource: r, namespace, name } = req.route;
  const manager = req.query.get('fieldManager');
  if (!manager) fail(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  if (body['metadata']?.name !== name) fail(400, `the name of the object (${body['metadata']?.name}) does not match the name on the URL (${name})`);
  const { apiVersion: _v, kind: _k, ...applied } = body;
  const dryRun = req.query.get('dryRun');
  if (dryRun !== null && dryRun !== 'All') fail(422, `PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ${JSON.stringify([dryRun])}: supported values: "All"`);
  const out = serverSideApply(existing?.object, existing?.owners ?? new Map(), applied, manager, req.query.get('force') === 'true');
  if ('conflicts' in out) {
    const lines = out.conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
    fail(409, `Apply failed with ${out.conflicts.length} conflict${out.conflicts.length === 1 ? '' : 's'}: ${lines.join('\n')}`, {
      causes: out.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
    });
  }
  if (existing && isDeepStrictEqual(out.object, existing.object)) {
    if (dryRun === null) existing.owners = out.owners;
    return [200, withType(existing)];
  }
  const result = dryRun === null ? store.save(r, namespace, out.object, out.owners, existing) : store.preview(r, namespace, out.object, out.owners, existing);
  return [existing ? 200 : 201, withType(result)];
}

/** Answers a resource request (not watch, not proxy). @throws HttpFailure with the Status to send. */
export function handleResource(store: ObjectStore, req: ResourceRequest): [number, Obj] {
  const { resource: r, namespace, name, subresource } = req.route;
  const { method, body, contentType } = req;
  if (name === undefined) {
    if (method !== 'GET') fail(405, `${method} on a collection is not supported by the stub`);
    const matches = parseLabelSelector(req.query.get('labelSelector'));
    const items = store.list(r, namespace).filter((s) => matches(s.object['metadata'].labels)).map((s) => structuredClone(s.object));
    return [200, { apiVersion: groupVersion(r), kind: `${r.kind}List`, metadata: { resourceVersion: store.version() }, items }];
  }
  const existing = store.get(r, namespace, name);
  const notFound = () => new HttpFailure(statusObject(404, 'NotFound', `${r.plural}${subresource ? `.${subresource}` : ''} "${name}" not found`, { name, group: r.group, kind: r.plural }));
  if (subresource === 'scale') {
    if (!existing) throw notFound();
    if (method === 'GET') return [200, scaleOf(existing)];
    if (method !== 'PATCH' || contentType !== 'application/merge-patch+json') fail(415, `the stub's scale subresource takes GET or PATCH with application/merge-patch+json, got ${method} ${contentType}`);
    const patched = mergePatch(existing.object, existing.owners, { spec: { replicas: body?.['spec']?.replicas } }, req.query.get('fieldManager') ?? 'unknown');
    return [200, scaleOf(isDeepStrictEqual(patched.object, existing.object) ? existing : store.save(r, namespace, patched.object, patched.owners, existing))];
  }
  if (subresource !== undefined) fail(404, `subresource ${subresource} is not served by the stub`);
  if (method === 'GET') {
    if (!existing) throw notFound();
    return [200, withType(existing)];
  }
  if (method === 'DELETE') {
    if (!store.delete(r, namespace, name)) throw notFound();
    return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.plural } }];
  }
  if (method !== 'PATCH') fail(405, `${method} is not supported by the stub`);
  if (!body) fail(400, 'empty patch body');
  if (contentType === 'application/apply-patch+yaml') return applyPatch(store, req, existing, body);
  if (contentType !== 'application/merge-patch+json') fail(415, `the stub does not support patch type ${contentType}`);
  if (!existing) throw notFound();
  const out = mergePatch(existing.object, existing.owners, body, req.query.get('fieldManager') ?? 'unknown');
  return [200, withType(isDeepStrictEqual(out.object, existing.object) ? existing : store.save(r, namespace, out.object, out.owners, existing))];
}
