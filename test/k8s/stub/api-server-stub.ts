/**
 * A small Kubernetes API server for tests, over real HTTP (node:http), that the unmodified
 * `@kubernetes/client-node` talks to through a kubeconfig pointing at it. It keeps objects in memory and
 * implements what metatrain uses, following the Kubernetes API conventions: discovery, get, list and watch
 * (label selectors, resourceVersion), server-side apply (`application/apply-patch+yaml`, fieldManager, force,
 * conflicts — field-ownership.ts), JSON merge patch, the Deployment `scale` subresource, delete, the service
 * proxy, bearer-token authentication, an RBAC authorizer hook (403), and injected failures; errors are `Status`
 * objects. Every request is recorded with its RBAC attributes, content type and body.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { mergePatch, serverSideApply, type Owners } from './field-ownership';
import { parseLabelSelector } from './label-selector';
import { discoveryList, groupVersion, servedResources, type ServedResource } from './resources';

type Obj = Record<string, any>;

/** What RBAC authorizes a resource request on. */
export interface RequestAttributes {
  readonly verb: string;
  readonly apiGroup: string;
  /** Resource with `/subresource` (`deployments/scale`). */
  readonly resource: string;
  readonly name?: string;
  readonly namespace?: string;
}

/** One request as the stub saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  /** Parsed body (JSON or YAML), undefined when empty. */
  readonly body: unknown;
  /** RBAC attributes; undefined for discovery and other non-resource paths. */
  readonly attributes: RequestAttributes | undefined;
  /** HTTP status of the answer (for watches: 200 once the stream opened). */
  status: number;
}

/** A failure to answer instead of handling the next matching request(s). */
export interface InjectedFailure {
  readonly method?: string;
  readonly pathIncludes?: string;
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly causes?: Array<{ field: string; message: string; reason?: string }>;
  /** How many matching requests fail. @default 1 */
  times?: number;
}

/** Options of {@link startApiServerStub}. */
export interface StubOptions {
  /** Serve monitoring.coreos.com ServiceMonitor/PodMonitor. @default true */
  readonly monitoringCrds?: boolean;
  /** Bearer token required on every request. @default 'stub-token' */
  readonly token?: string;
  /** Authorizer: return false to answer 403 Forbidden. @default allow everything */
  readonly authorize?: (a: RequestAttributes) => boolean;
  /** Upstream base URL of `<service>:<port>` for the service proxy; undefined means no endpoints (503). */
  readonly serviceProxy?: (namespace: string, service: string, port: string) => string | undefined;
}

interface Stored {
  object: Obj;
  owners: Owners;
  resource: ServedResource;
}

interface WatchStream {
  readonly resource: ServedResource;
  readonly namespace: string | undefined;
  readonly matches: (labels: Record<string, string> | undefined) => boolean;
  readonly res: ServerResponse;
}

/** A running stub. */
export interface ApiServerStub {
  readonly url: string;
  readonly token: string;
  readonly requests: RecordedRequest[];
  /** Writes a kubeconfig with context `stub` (current) and `unreachable` (a closed port); returns its path. */
  writeKubeconfig(): string;
  /** Stored object, or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined;
  /** Creates or replaces an object as a controller would (status included), emitting a watch event. */
  put(object: Obj): Obj;
  /** Deletes an object as a controller would, emitting a watch event. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void;
  /** Objects of a kind (optionally in one namespace). */
  list(apiVersion: string, kind: string, namespace?: string): Obj[];
  /** Fails the next matching request(s). */
  inject(failure: InjectedFailure): void;
  /** Ends every open watch as a server-side timeout would. */
  closeWatches(): void;
  stop(): Promise<void>;
}

const STATUS_REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 415: 'UnsupportedMediaType', 422: 'Invalid', 503: 'ServiceUnavailable' };

function statusObject(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

class HttpFailure extends Error {
  constructor(readonly status: Obj) {
    super(status['message']);
  }
}

function fail(code: number, message: string, details?: Obj, reason = STATUS_REASONS[code] ?? 'InternalError'): never {
  throw new HttpFailure(statusObject(code, reason, message, details));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parsed resource path. */
interface Route {
  readonly resource: ServedResource;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  /** Path after `/proxy/` for the service proxy. */
  readonly rest: string;
}

/** Starts the stub on 127.0.0.1 (a free port). */
export async function startApiServerStub(options: StubOptions = {}): Promise<ApiServerStub> {
  const resources = servedResources(options.monitoringCrds ?? true);
  const token = options.token ?? 'stub-token';
  const store = new Map<string, Stored>();
  const watches = new Set<WatchStream>();
  const injected: InjectedFailure[] = [];
  const requests: RecordedRequest[] = [];
  let rv = 100;

  const keyOf = (r: ServedResource, ns: string | undefined, name: string) => `${groupVersion(r)}|${r.plural}|${ns ?? ''}|${name}`;
  const byKind = (apiVersion: string, kind: string) => {
    const r = resources.find((x) => groupVersion(x) === apiVersion && x.kind === kind);
    if (!r) throw new Error(`stub does not serve ${apiVersion} ${kind}`);
    return r;
  };
  const withType = (s: Stored): Obj => ({ apiVersion: groupVersion(s.resource), kind: s.resource.kind, ...s.object });

  function emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', s: Stored): void {
    const object = withType(s);
    for (const w of watches) {
      if (w.resource !== s.resource || (w.namespace !== undefined && w.namespace !== object['metadata'].namespace)) continue;
      if (w.matches(object['metadata'].labels)) w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  }

  /** Stores `object` (metadata filled in), bumping resourceVersion and, for spec changes, generation. */
  function save(r: ServedResource, namespace: string | undefined, object: Obj, owners: Owners, previous: Stored | undefined): Stored {
    const meta = object['metadata'];
    if (namespace !== undefined) meta.namespace = namespace;
    if (r.kind === 'Secret' && object['stringData']) {
      const data = { ...(object['data'] ?? {}) };
      for (const [k, v] of Object.entries(object['stringData'] as Record<string, string>)) data[k] = Buffer.from(v).toString('base64');
      object['data'] = data;
      delete object['stringData'];
    }
    meta.uid = previous?.object['metadata'].uid ?? randomUUID();
    meta.creationTimestamp = previous?.object['metadata'].creationTimestamp ?? new Date().toISOString();
    meta.resourceVersion = String(++rv);
    if (r.kind === 'Deployment') {
      const changed = !previous || !isDeepStrictEqual(previous.object['spec'], object['spec']);
      meta.generation = (previous?.object['metadata'].generation ?? 0) + (changed ? 1 : 0);
    }
    const s: Stored = { object, owners, resource: r };
    store.set(keyOf(r, namespace, meta.name), s);
    emit(previous ? 'MODIFIED' : 'ADDED', s);
    return s;
  }

  function route(segments: string[]): Route | undefined {
    let gv: string;
    let rest: string[];
    if (segments[0] === 'api' && segments[1] === 'v1') {
      gv = 'v1';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 3) {
      gv = `${segments[1]}/${segments[2]}`;
      rest = segments.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    if (rest.length === 0) return undefined;
    const resource = resources.find((x) => groupVersion(x) === gv && x.plural === rest[0]);
    if (!resource) fail(404, 'the server could not find the requested resource');
    return { resource, namespace, name: rest[1], subresource: rest[2], rest: rest.slice(3).join('/') };
  }

  function verbOf(method: string, rt: Route, query: URLSearchParams): string {
    if (method === 'GET') return rt.name === undefined ? (query.get('watch') === 'true' ? 'watch' : 'list') : 'get';
    if (method === 'DELETE') return rt.name === undefined ? 'deletecollection' : 'delete';
    return { POST: 'create', PUT: 'update', PATCH: 'patch' }[method] ?? method.toLowerCase();
  }

  function parseBody(raw: string, contentType: string | undefined): Obj | undefined {
    if (raw === '') return undefined;
    try {
      return (contentType?.includes('yaml') ? parseYaml(raw) : JSON.parse(raw)) as Obj;
    } catch (err) {
      fail(400, `cannot parse body: ${(err as Error).message}`, undefined, 'BadRequest');
    }
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

  async function proxy(rt: Route, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const [svc, port] = decodeURIComponent(rt.name!).replace(/^https?:/, '').split(':');
    if (!store.has(keyOf(rt.resource, rt.namespace, svc!))) fail(404, `services "${svc}" not found`, { name: svc, kind: 'services' });
    const upstream = options.serviceProxy?.(rt.namespace!, svc!, port ?? '');
    if (upstream === undefined) fail(503, `no endpoints available for service "${svc}"`);
    await new Promise<void>((resolve) => {
      const up = httpRequest(`${upstream}/${rt.rest}`, { method: req.method }, (upRes) => {
        rec.status = upRes.statusCode ?? 502;
        res.writeHead(rec.status, { 'content-type': upRes.headers['content-type'] ?? 'text/plain' });
        upRes.pipe(res).on('finish', resolve);
      });
      up.on('error', (err) => {
        rec.status = 503;
        send(res, 503, statusObject(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`));
        resolve();
      });
      up.end();
    });
  }

  function watch(rt: Route, query: URLSearchParams, res: ServerResponse): void {
    const since = Number(query.get('resourceVersion') || '0');
    const w: WatchStream = { resource: rt.resource, namespace: rt.namespace, matches: parseLabelSelector(query.get('labelSelector')), res };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    watches.add(w);
    res.on('close', () => watches.delete(w));
    // Objects changed after `since` (the stub keeps no history of deletions; tests delete while watching).
    for (const s of store.values()) {
      if (s.resource === rt.resource && (rt.namespace === undefined || s.object['metadata'].namespace === rt.namespace) && Number(s.object['metadata'].resourceVersion) > since && w.matches(s.object['metadata'].labels)) {
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: withType(s) })}\n`);
      }
    }
  }

  function handle(rt: Route, method: string, query: URLSearchParams, body: Obj | undefined, contentType: string | undefined): [number, Obj] {
    const { resource: r, namespace, name, subresource } = rt;
    const key = name !== undefined ? keyOf(r, namespace, name) : '';
    const existing = store.get(key);
    const notFound = () => new HttpFailure(statusObject(404, 'NotFound', `${r.plural}${subresource ? `.${subresource}` : ''} "${name}" not found`, { name, group: r.group, kind: r.plural }));
    if (name === undefined) {
      if (method !== 'GET') fail(405, `${method} on a collection is not supported by the stub`, undefined, 'MethodNotAllowed');
      const matches = parseLabelSelector(query.get('labelSelector'));
      const items = [...store.values()]
        .filter((s) => s.resource === r && (namespace === undefined || s.object['metadata'].namespace === namespace) && matches(s.object['metadata'].labels))
        .map((s) => structuredClone(s.object));
      return [200, { apiVersion: groupVersion(r), kind: `${r.kind}List`, metadata: { resourceVersion: String(rv) }, items }];
    }
    if (subresource === 'scale') {
      if (!existing) throw notFound();
      if (method === 'GET') return [200, scaleOf(existing)];
      if (method === 'PATCH' && contentType === 'application/merge-patch+json') {
        const replicas = body?.['spec']?.replicas;
        const patched = mergePatch(existing.object, existing.owners, { spec: { replicas } }, query.get('fieldManager') ?? 'unknown');
        const saved = isDeepStrictEqual(patched.object, existing.object) ? existing : save(r, namespace, patched.object, patched.owners, existing);
        return [200, scaleOf(saved)];
      }
      fail(415, `the stub's scale subresource takes GET or PATCH with application/merge-patch+json, got ${method} ${contentType}`);
    }
    if (subresource !== undefined) fail(404, `subresource ${subresource} is not served by the stub`);
    switch (method) {
      case 'GET':
        if (!existing) throw notFound();
        return [200, withType(existing)];
      case 'DELETE': {
        if (!existing) throw notFound();
        store.delete(key);
        emit('DELETED', existing);
        return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.plural, uid: existing.object['metadata'].uid } }];
      }
      case 'PATCH': {
        if (!body) fail(400, 'empty patch body', undefined, 'BadRequest');
        const manager = query.get('fieldManager') ?? undefined;
        if (contentType === 'application/apply-patch+yaml') {
          if (!manager) fail(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', undefined, 'Invalid');
          if (body['metadata']?.name !== name) fail(400, `the name of the object (${body['metadata']?.name}) does not match the name on the URL (${name})`, undefined, 'BadRequest');
          const { apiVersion: _v, kind: _k, ...applied } = body;
          const out = serverSideApply(existing?.object, existing?.owners ?? new Map(), applied, manager, query.get('force') === 'true');
          if ('conflicts' in out) {
            const lines = out.conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
            fail(409, `Apply failed with ${out.conflicts.length} conflict${out.conflicts.length === 1 ? '' : 's'}: ${lines.join('\n')}`, {
              causes: out.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
            });
          }
          if (existing && isDeepStrictEqual(out.object, existing.object)) {
            existing.owners = out.owners;
            return [200, withType(existing)];
          }
          return [existing ? 200 : 201, withType(save(r, namespace, out.object, out.owners, existing))];
        }
        if (contentType === 'application/merge-patch+json') {
          if (!existing) throw notFound();
          const out = mergePatch(existing.object, existing.owners, body, manager ?? 'unknown');
          return [200, withType(isDeepStrictEqual(out.object, existing.object) ? existing : save(r, namespace, out.object, out.owners, existing))];
        }
        fail(415, `the stub does not support patch type ${contentType}`);
      }
      default:
        fail(405, `${method} is not supported by the stub`, undefined, 'MethodNotAllowed');
    }
  }

  function send(res: ServerResponse, code: number, body: Obj): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const raw = await readBody(req);
    const rec: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      authorization: req.headers.authorization,
      body: undefined,
      attributes: undefined,
      status: 0,
    };
    requests.push(rec);
    try {
      (rec as { body: unknown }).body = parseBody(raw, contentType);
      if (req.headers.authorization !== `Bearer ${token}`) fail(401, 'Unauthorized');
      const segments = url.pathname.split('/').filter(Boolean);
      const gv = segments[0] === 'api' ? segments.slice(1).join('/') : segments.slice(1).join('/');
      if (method === 'GET' && (segments.length === 2 && segments[0] === 'api' || segments.length === 3 && segments[0] === 'apis')) {
        const list = discoveryList(resources, gv);
        if (!list) fail(404, 'the server could not find the requested resource');
        rec.status = 200;
        return send(res, 200, list);
      }
      const rt = route(segments);
      if (!rt) fail(404, 'the server could not find the requested resource');
      const attributes: RequestAttributes = {
        verb: verbOf(method, rt, url.searchParams),
        apiGroup: rt.resource.group,
        resource: rt.subresource ? `${rt.resource.plural}/${rt.subresource}` : rt.resource.plural,
        ...(rt.name !== undefined ? { name: decodeURIComponent(rt.name).replace(/^https?:/, '').split(':')[0]! } : {}),
        ...(rt.namespace !== undefined ? { namespace: rt.namespace } : {}),
      };
      (rec as { attributes: RequestAttributes }).attributes = attributes;
      const failure = injected.find((f) => (f.method === undefined || f.method === method) && (f.pathIncludes === undefined || url.pathname.includes(f.pathIncludes)));
      if (failure) {
        if ((failure.times = (failure.times ?? 1) - 1) <= 0) injected.splice(injected.indexOf(failure), 1);
        fail(failure.code, failure.message, failure.causes ? { name: rt.name, kind: rt.resource.plural, causes: failure.causes } : undefined, failure.reason);
      }
      if (options.authorize && !options.authorize(attributes)) {
        const scope = attributes.namespace !== undefined ? ` in the namespace "${attributes.namespace}"` : ' at the cluster scope';
        fail(403, `${attributes.resource} ${attributes.name !== undefined ? `"${attributes.name}" ` : ''}is forbidden: User "stub-user" cannot ${attributes.verb} resource "${attributes.resource}" in API group "${attributes.apiGroup}"${scope}`, { name: attributes.name, kind: attributes.resource });
      }
      if (rt.subresource === 'proxy' && rt.resource.kind === 'Service') return await proxy(rt, req, res, rec);
      if (attributes.verb === 'watch') {
        rec.status = 200;
        return watch(rt, url.searchParams, res);
      }
      const [code, out] = handle(rt, method, url.searchParams, rec.body as Obj | undefined, contentType);
      rec.status = code;
      send(res, code, out);
    } catch (err) {
      const status = err instanceof HttpFailure ? err.status : statusObject(500, 'InternalError', String(err));
      rec.status = status['code'];
      send(res, status['code'], status);
    }
  }

  const server: Server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    requests,
    writeKubeconfig() {
      const dir = mkdtempSync(join(tmpdir(), 'metatrain-kubeconfig-'));
      const file = join(dir, 'config');
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'stub', cluster: { server: url, 'insecure-skip-tls-verify': true } },
          { name: 'unreachable', cluster: { server: 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'tester', user: { token } }],
        contexts: [
          { name: 'stub', context: { cluster: 'stub', user: 'tester' } },
          { name: 'unreachable', context: { cluster: 'unreachable', user: 'tester' } },
        ],
        'current-context': 'stub',
      };
      writeFileSync(file, stringify(config));
      return file;
    },
    get(apiVersion, kind, namespace, name) {
      const s = store.get(keyOf(byKind(apiVersion, kind), namespace, name));
      return s ? structuredClone(withType(s)) : undefined;
    },
    put(object) {
      const r = byKind(object['apiVersion'], object['kind']);
      const { apiVersion: _v, kind: _k, ...rest } = structuredClone(object);
      const ns = r.namespaced ? rest['metadata'].namespace : undefined;
      const previous = store.get(keyOf(r, ns, rest['metadata'].name));
      return withType(save(r, ns, rest, previous?.owners ?? new Map(), previous));
    },
    remove(apiVersion, kind, namespace, name) {
      const r = byKind(apiVersion, kind);
      const key = keyOf(r, namespace, name);
      const s = store.get(key);
      if (!s) throw new Error(`stub: no ${kind} ${namespace}/${name}`);
      store.delete(key);
      emit('DELETED', s);
    },
    list(apiVersion, kind, namespace) {
      const r = byKind(apiVersion, kind);
      return [...store.values()].filter((s) => s.resource === r && (namespace === undefined || s.object['metadata'].namespace === namespace)).map((s) => structuredClone(withType(s)));
    },
    inject(failure) {
      injected.push({ ...failure });
    },
    closeWatches() {
      for (const w of watches) w.res.end();
      watches.clear();
    },
    async stop() {
      for (const w of watches) w.res.end();
      watches.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
