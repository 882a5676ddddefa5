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
import { findInCauseChain } from '../core/error-chain';
import { whatAnswers } from '../core/what-answers';
import { urlAddress } from '../core/host-port';

const checked = new WeakMap<Cluster, Promise<void>>();

/** The discovery request, in RBAC terms (a non-resource URL every authenticated user may get). */
const DISCOVERY: RequestDescription = { verb: 'get', resource: 'API discovery of v1', kind: 'APIResourceList', namespace: '' };

/** The error naming the server and `why` it is not an API server (`(GET /api/v1 answered …)`, `: it does not speak HTTP`). */
function notApiServerBecause(cluster: Pick<Cluster, 'server' | 'context'>, why: string, cause?: unknown): KubernetesError {
  return new KubernetesError(
    `${cluster.server} is not a Kubernetes API server${why}. Check the server of context "${cluster.context}" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it.`,
    0,
    'NotApiServer',
    cause === undefined ? {} : { cause },
  );
}

/** The error naming the server and what it `answer`ed to `GET /api/v1`. */
function notApiServer(cluster: Pick<Cluster, 'server' | 'context'>, answer: string, cause?: unknown): KubernetesError {
  return notApiServerBecause(cluster, ` (GET /api/v1 ${answer})`, cause);
}

/** Whether the request failed because the server's answer is not HTTP at all (an llhttp parse error, code `HPE_…`). */
function isNotHttp(err: unknown): boolean {
  return findInCauseChain(err, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && code.startsWith('HPE_') ? true : undefined;
  }) === true;
}

/**
 * `: it does not speak HTTP`, with what speaks at the server's address when it is recognized (what-answers.ts): a
 * NATS server, the usual mistake (port 4222).
 */
async function notHttpWords(server: string): Promise<string> {
  const { host, port } = urlAddress(new URL(server));
  const answerer = await whatAnswers(host, port);
  return `: it does not speak HTTP${answerer === 'nats' ? ' (it looks like a NATS server: INFO {…)' : ''}`;
}

async function check(cluster: Cluster): Promise<void> {
  let list: { resources?: unknown };
  try {
    list = await cluster.core.getAPIResources();
  } catch (err) {
    const code = httpStatusOf(err);
    const notApi = notApiAnswerOf(err);
    if (notApi !== undefined) throw notApiServer(cluster, `answered ${notApi.answer}${notApi.problem === 'object' ? ', not an APIResourceList' : ''}`, err);
    // 401 comes without a body; the credentials are what is wrong, whoever refused them.
    if (code === 401 || (code === undefined && (networkCode(err) !== undefined || connectionFailure(err) !== undefined))) throw toKubernetesError(err, DISCOVERY, cluster);
    if (code === undefined && isNotHttp(err)) throw notApiServerBecause(cluster, await notHttpWords(cluster.server), err);
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
