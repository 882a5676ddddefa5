/**
 * A connection to a Kubernetes cluster through `@kubernetes/client-node`: the kubeconfig from the usual places
 * (`--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account), an optional
 * context (`--context`) and namespace (`--namespace`), and the API clients metatrain uses.
 */
import { AppsV1Api, CoreV1Api, createConfiguration, HttpMethod, KubeConfig, KubernetesObjectApi, PatchStrategy, ServerConfiguration, type KubernetesObject } from '@kubernetes/client-node';
import { KubernetesError } from '../core/errors';
import { apiAnswersOnly } from './api-answer';
import { loadKubeconfig } from './kubeconfig-files';
import { DEFAULT_REQUEST_TIMEOUT_MS, timeoutHttpLibrary } from './request-timeout';

/**
 * The generic object client of client-node with two additions: public API discovery (`resource()` is protected)
 * and a server-side apply that sends the object exactly as given.
 */
export class ObjectApi extends KubernetesObjectApi {
  /** Discovery entry of `kind` in `apiVersion` (plural name, namespaced), or undefined when it is not served. */
  discover(apiVersion: string, kind: string): ReturnType<KubernetesObjectApi['resource']> {
    return this.resource(apiVersion, kind);
  }

  /**
   * Server-side apply (PATCH, `application/apply-patch+yaml`, `fieldManager`, `force` when true; with `dryRun`,
   * `dryRun=All`: the server validates, checks conflicts and answers the result without storing it) of a plain JSON
   * object, through the client's request pipeline (auth, TLS, middleware). `KubernetesObjectApi.patch` runs the
   * body through the generated model serializer, which silently drops fields whose TypeScript name differs from
   * the JSON name (client-node 1.3: NetworkPolicy `ingress[].from` is the model's `_from`), so it is not used.
   * @throws ApiException when the API server answers with an error status.
   */
  async serverSideApply(object: KubernetesObject, fieldManager: string, force: boolean, dryRun = false): Promise<KubernetesObject> {
    const path = await this.specUriPath(structuredClone(object), 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', fieldManager);
    if (force) request.setQueryParam('force', 'true');
    if (dryRun) request.setQueryParam('dryRun', 'All');
    request.setBody(JSON.stringify(object));
    return this.requestPromise(request);
  }
}

/** How to reach the cluster; every field is optional. */
export interface ClusterOptions {
  /** Path of a kubeconfig file instead of the default search. */
  readonly kubeconfig?: string;
  /** Context name instead of the kubeconfig's current context. */
  readonly context?: string;
  /** Namespace instead of the one the run config or the context names. */
  readonly namespace?: string;
  /** Deadline of each request in milliseconds (`--request-timeout`). @default {@link DEFAULT_REQUEST_TIMEOUT_MS} (30 s) */
  readonly requestTimeoutMs?: number;
}

/** A configured client of one cluster. */
export interface Cluster {
  readonly kubeConfig: KubeConfig;
  /** The context in use. */
  readonly context: string;
  /** URL of the API server. */
  readonly server: string;
  /**
   * `--namespace`, or undefined. The context's namespace is not used: runs live in `kubernetes.namespace` of their
   * config (default `metatrain`) whatever context launched them, so `status`/`scale`/`stop` look there too.
   */
  readonly namespace: string | undefined;
  /** Generic client for any kind (server-side apply, list, delete), resolving resources by API discovery. */
  readonly objects: ObjectApi;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
}

/**
 * Lets `kc` speak plain HTTP to its http:// servers, as kubectl does (`kubectl proxy`: http://127.0.0.1:8001):
 * client-node refuses an http:// server unless `skipTLSVerify` is set, which over plain HTTP has nothing to verify;
 * it is set for those clusters only.
 */
export function allowPlainHttp(kc: KubeConfig): void {
  kc.clusters = kc.clusters.map((c) => (c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : c));
}

/**
 * Refuses a server URL client-node cannot send to: one without a scheme (`127.0.0.1:6443`), another scheme
 * (`ftp://…`) or no URL at all (`http://[::1`). They failed at the first request with "You need to define an absolute
 * base url for the server" or "Invalid URL", reported as the server not being a Kubernetes API server.
 * @throws KubernetesError (reason `NoConfig`) naming the URL, the context and the kubeconfig.
 */
export function assertHttpUrl(server: string, context: string, where: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(server).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'https:' || protocol === 'http:') return;
  throw new KubernetesError(
    `the server URL ${JSON.stringify(server)} of context "${context}" (${where}) is not an http(s) URL: write it as https://HOST:PORT (or http:// for \`kubectl proxy\`), as \`kubectl cluster-info\` shows it.`,
    0,
    'NoConfig',
  );
}

/**
 * Loads the kubeconfig (src/k8s/kubeconfig-files.ts: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`, else
 * the in-cluster service account) and builds the clients, whose requests fail with RequestTimeoutError
 * (request-timeout.ts) after `requestTimeoutMs`, and with NotApiAnswerError (api-answer.ts) on a 2xx answer that is
 * not a Kubernetes API object. An http:// server is spoken to in plain HTTP, as kubectl does. Makes no request.
 * @throws KubernetesError (reason `NoConfig`) when the kubeconfig cannot be loaded (as loadKubeconfig, naming the file
 *   at fault and what is wrong with it, or a file its cluster or user names), the context does not exist, or no
 *   cluster is configured (naming the kubeconfig, and saying it may not be one when it holds nothing); the message
 *   lists the contexts that do exist; also when the cluster's server is not an http(s) URL (assertHttpUrl).
 */
export function connectCluster(options: ClusterOptions = {}): Cluster {
  const { kubeConfig: kc, where } = loadKubeconfig(options.kubeconfig, options.context);
  allowPlainHttp(kc);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    const contexts = kc.getContexts().map((c) => c.name);
    // A file that is no kubeconfig (KUBECONFIG=/etc/passwd) loads as one with nothing in it.
    const detail = contexts.length === 0 ? `${where} holds no context and no cluster (is it a kubeconfig?)` : `${where} has no current cluster (current-context: ${kc.getCurrentContext() || 'none'}; contexts: ${contexts.join(', ')})`;
    throw new KubernetesError(`no Kubernetes cluster is configured: ${detail}; point KUBECONFIG or --kubeconfig at a kubeconfig, or choose a context with --context.`, 0, 'NoConfig');
  }
  const context = kc.getCurrentContext();
  assertHttpUrl(cluster.server, context, where);
  // What kc.makeApiClient builds, with the HTTP library that has a deadline.
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: apiAnswersOnly(timeoutHttpLibrary(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)),
  });
  return {
    kubeConfig: kc,
    context,
    server: cluster.server,
    namespace: options.namespace,
    objects: new ObjectApi(configuration),
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
  };
}

/** Default of `kubernetes.namespace` in the run config. */
export const DEFAULT_NAMESPACE = 'metatrain';

/** Namespace of commands that name a run but no config: `--namespace`, else `metatrain` (the config default). */
export function runNamespace(cluster: Cluster): string {
  return cluster.namespace ?? DEFAULT_NAMESPACE;
}

