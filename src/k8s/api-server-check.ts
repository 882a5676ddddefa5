/**
 * Whether the kubeconfig's server is a Kubernetes API server at all. Every API server serves the core API discovery
 * document `GET /api/v1` (an `APIResourceList`) and answers its errors with a `Status` object (api-error.ts). Another
 * web server at that URL answers 404 pages or HTML, which the commands would otherwise read as "the run does not
 * exist" (`status`, `scale`) or "nothing to stop" (`stop`). Checked once per Cluster, before launch, scale, status
 * and stop send anything else.
 */
import { KubernetesError } from '../core/errors';
import { bodyExcerpt } from './answer-excerpt';
import { httpStatusOf, isStatusBody, networkCode, toKubernetesError, type RequestDescription } from './api-error';
import type { Cluster } from './cluster';
import { notApiAnswerOf } from './api-answer';
import { connectionFailure } from './connection-failure';

const checked = new WeakMap<Cluster, Promise<void>>();

/** The discovery request, in RBAC terms (a non-resource URL every authenticated user may get). */
const DISCOVERY: RequestDescription = { verb: 'get', resource: 'API discovery of v1', kind: 'APIResourceList', namespace: '' };

function notApiServer(cluster: Pick<Cluster, 'server' | 'context'>, answer: string, cause?: unknown): KubernetesError {
  return new KubernetesError(
    `${cluster.server} is not a Kubernetes API server (GET /api/v1 ${answer}). Check the server of context "${cluster.context}" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it.`,
    0,
    'NotApiServer',
    cause === undefined ? {} : { cause },
  );
}

async function check(cluster: Cluster): Promise<void> {
  let list: { resources?: unknown };
  try {
    list = await cluster.core.getAPIResources();
  } catch (err) {
    const code = httpStatusOf(err);
    const notApi = notApiAnswerOf(err);
    if (notApi !== undefined) throw notApiServer(cluster, `answered ${notApi.answer}${notApi.wrongKind ? '' : ', not an APIResourceList'}`, err);
    // 401 comes without a body; the credentials are what is wrong, whoever refused them.
    if (code === 401 || (code === undefined && (networkCode(err) !== undefined || connectionFailure(err) !== undefined))) throw toKubernetesError(err, DISCOVERY, cluster);
    if (code === undefined) throw notApiServer(cluster, `answered what is not an API answer: ${(err as Error).message}`, err);
    const body = (err as { body?: unknown }).body;
    if (!isStatusBody(body)) throw notApiServer(cluster, `answered HTTP ${code} without a Kubernetes Status: ${bodyExcerpt(body)}`, err);
    return; // an API server refusing discovery: the command's own requests say what it refuses
  }
  if (!Array.isArray(list.resources)) throw notApiServer(cluster, 'answered HTTP 200 without an APIResourceList');
}

/**
 * Resolves when the cluster's server answers `GET /api/v1` as a Kubernetes API server does (the first call per
 * Cluster asks, later ones reuse its answer).
 * @throws KubernetesError (reason `NotApiServer`) naming the server, with a short excerpt of what it answered, when
 *   it is some other HTTP server; as toKubernetesError when it cannot be reached, times out or refuses the
 *   credentials (401), or TLS or the credential plugin fails (connection-failure.ts).
 */
export function assertApiServer(cluster: Cluster): Promise<void> {
  let answer = checked.get(cluster);
  if (answer === undefined) {
    answer = check(cluster);
    checked.set(cluster, answer);
  }
  return answer;
}
