/**
 * A small Kubernetes API server for tests, over real HTTP (node:http), that the unmodified
 * `@kubernetes/client-node` talks to through a kubeconfig pointing at it. It keeps objects in memory and
 * implements what metatrain uses, following the Kubernetes API conventions: discovery, get, list and watch
 * (label selectors, resourceVersion), server-side apply (`application/apply-patch+yaml`, fieldManager, force,
 * conflicts — field-ownership.ts), JSON merge patch, the Deployment `scale` subresource, delete, the service
 * proxy, bearer-token authentication, an RBAC authorizer hook (403), and injected failures; errors are `Status`
 * objects; with `tls`, HTTPS that requires a client certificate, as API servers commonly do. Every request is
 * recorded with its RBAC attributes, content type and body.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { writeKubeconfig } from './kubeconfig';
import { parseLabelSelector } from './label-selector';
import { ObjectStore, withType, type Stored } from './object-store';
import { handleResource, type Route } from './resource-handlers';
import { discoveryList, groupVersion, servedResources } from './resources';
import { fail, HttpFailure, statusObject, type Obj } from './status-error';

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
  /**
   * Name of an admission webhook with side effects (sideEffects Unknown or Some) that matches every write: each
   * request with `dryRun` is then answered 400 BadRequest `admission webhook "NAME" does not support dry run`, as a
   * real API server does. @default none
   */
  readonly sideEffectWebhook?: string;
  /** Serve HTTPS with this certificate and key (PEM), and refuse a client without a certificate `ca` signed. @default plain HTTP */
  readonly tls?: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
}

interface WatchStream {
  readonly resource: Route['resource'];
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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, code: number, body: Obj): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseBody(raw: string, contentType: string | undefined): Obj | undefined {
  if (raw === '') return undefined;
  try {
    return (contentType?.includes('yaml') ? parseYaml(raw) : JSON.parse(raw)) as Obj;
  } catch (err) {
    fail(400, `cannot parse body: ${(err as Error).message}`);
  }
}

/** RBAC verb of a request (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb). */
function verbOf(method: string, rt: Route, query: URLSearchParams): string {
  if (method === 'GET') return rt.name === undefined ? (query.get('watch') === 'true' ? 'watch' : 'list') : 'get';
  if (method === 'DELETE') return rt.name === undefined ? 'deletecollection' : 'delete';
  return { POST: 'create', PUT: 'update', PATCH: 'patch' }[method] ?? method.toLowerCase();
}

/** Starts the stub on 127.0.0.1 (a free port). */
export async function startApiServerStub(options: StubOptions = {}): Promise<ApiServerStub> {
  const resources = servedResources(options.monitoringCrds ?? true);
  const token = options.token ?? 'stub-token';
  const store = new ObjectStore(resources);
  const watches = new Set<WatchStream>();
  const injected: InjectedFailure[] = [];
  const requests: RecordedRequest[] = [];

  store.onEvent((type, s) => {
    const object = withType(s);
    for (const w of watches) {
      if (w.resource !== s.resource || (w.namespace !== undefined && w.namespace !== object['metadata'].namespace)) continue;
      if (w.matches(object['metadata'].labels)) w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  });

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

  async function proxy(rt: Route, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const [svc, port] = decodeURIComponent(rt.name!).replace(/^https?:/, '').split(':');
    if (!store.get(rt.resource, rt.namespace, svc!)) fail(404, `services "${svc}" not found`, { name: svc, kind: 'services' });
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
    for (const s of store.list(rt.resource, rt.namespace)) {
      if (Number(s.object['metadata'].resourceVersion) > since && w.matches(s.object['metadata'].labels)) {
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: withType(s) })}\n`);
      }
    }
  }

  function attributesOf(rt: Route, method: string, query: URLSearchParams): RequestAttributes {
    return {
      verb: verbOf(method, rt, query),
      apiGroup: rt.resource.group,
      resource: rt.subresource ? `${rt.resource.plural}/${rt.subresource}` : rt.resource.plural,
      ...(rt.name !== undefined ? { name: decodeURIComponent(rt.name).replace(/^https?:/, '').split(':')[0]! } : {}),
      ...(rt.namespace !== undefined ? { namespace: rt.namespace } : {}),
    };
  }

  function refuse(a: RequestAttributes, path: string, method: string, query: URLSearchParams): void {
    const failure = injected.find((f) => (f.method === undefined || f.method === method) && (f.pathIncludes === undefined || path.includes(f.pathIncludes)));
    if (failure) {
      if ((failure.times = (failure.times ?? 1) - 1) <= 0) injected.splice(injected.indexOf(failure), 1);
      fail(failure.code, failure.message, failure.causes ? { name: a.name, kind: a.resource, causes: failure.causes } : undefined, failure.reason);
    }
    if (options.sideEffectWebhook !== undefined && query.has('dryRun')) fail(400, `admission webhook ${JSON.stringify(options.sideEffectWebhook)} does not support dry run`);
    if (options.authorize && !options.authorize(a)) {
      const scope = a.namespace !== undefined ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
      fail(403, `${a.resource} ${a.name !== undefined ? `"${a.name}" ` : ''}is forbidden: User "stub-user" cannot ${a.verb} resource "${a.resource}" in API group "${a.apiGroup}"${scope}`, { name: a.name, kind: a.resource });
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const raw = await readBody(req);
    const rec: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, authorization: req.headers.authorization, body: undefined, attributes: undefined, status: 0 };
    requests.push(rec);
    try {
      (rec as { body: unknown }).body = parseBody(raw, contentType);
      if (req.headers.authorization !== `Bearer ${token}`) fail(401, 'Unauthorized');
      const segments = url.pathname.split('/').filter(Boolean);
      if (method === 'GET' && ((segments.length === 2 && segments[0] === 'api') || (segments.length === 3 && segments[0] === 'apis'))) {
        const list = discoveryList(resources, segments.slice(1).join('/'));
        if (!list) fail(404, 'the server could not find the requested resource');
        rec.status = 200;
        return send(res, 200, list);
      }
      const rt = route(segments);
      if (!rt) fail(404, 'the server could not find the requested resource');
      const attributes = attributesOf(rt, method, url.searchParams);
      (rec as { attributes: RequestAttributes }).attributes = attributes;
      refuse(attributes, url.pathname, method, url.searchParams);
      if (rt.subresource === 'proxy' && rt.resource.kind === 'Service') return await proxy(rt, req, res, rec);
      if (attributes.verb === 'watch') {
        rec.status = 200;
        return watch(rt, url.searchParams, res);
      }
      const [code, out] = handleResource(store, { route: rt, method, query: url.searchParams, body: rec.body as Obj | undefined, contentType });
      rec.status = code;
      send(res, code, out);
    } catch (err) {
      const status = err instanceof HttpFailure ? err.status : statusObject(500, 'InternalError', String(err));
      rec.status = status['code'];
      send(res, status['code'], status);
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => void serve(req, res);
  const server: Server = options.tls ? createHttpsServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stored = (apiVersion: string, kind: string, namespace: string | undefined, name: string): Stored | undefined => store.get(store.byKind(apiVersion, kind), namespace, name);

  return {
    url,
    token,
    requests,
    writeKubeconfig: () => writeKubeconfig(url, token),
    get(apiVersion, kind, namespace, name) {
      const s = stored(apiVersion, kind, namespace, name);
      return s ? structuredClone(withType(s)) : undefined;
    },
    put(object) {
      const r = store.byKind(object['apiVersion'], object['kind']);
      const { apiVersion: _v, kind: _k, ...rest } = structuredClone(object);
      const ns = r.namespaced ? rest['metadata'].namespace : undefined;
      const previous = store.get(r, ns, rest['metadata'].name);
      return withType(store.save(r, ns, rest, previous?.owners ?? new Map(), previous));
    },
    remove(apiVersion, kind, namespace, name) {
      if (!store.delete(store.byKind(apiVersion, kind), namespace, name)) throw new Error(`stub: no ${kind} ${namespace}/${name}`);
    },
    list(apiVersion, kind, namespace) {
      return store.list(store.byKind(apiVersion, kind), namespace).map((s) => structuredClone(withType(s)));
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
