/**
 * Turns failures of `@kubernetes/client-node` calls into KubernetesError with a message that says what to do.
 * The API server answers errors with a `Status` object (Kubernetes API conventions,
 * https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#response-status-kind);
 * its `reason`, `message` and `details.causes` are used here. The messages are listed in docs/kubernetes.md.
 */
import { findInCauseChain } from '../core/error-chain';
import { KubernetesError } from '../core/errors';
import type { Cluster } from './cluster';
import { RequestTimeoutError } from './request-timeout';
import { bodyExcerpt } from './answer-excerpt';
import { notApiAnswerOf, notApiAnswerText } from './api-answer';
import { connectionFailure } from './connection-failure';

/** What a failed request tried to do, in RBAC terms. */
export interface RequestDescription {
  /** RBAC verb: `get`, `list`, `watch`, `patch`, `delete`. */
  readonly verb: string;
  /** Resource, plural (`deployments`, `deployments/scale`, `services/proxy`). */
  readonly resource: string;
  /** Kind for messages (`Deployment`). */
  readonly kind: string;
  readonly name?: string;
  readonly namespace: string;
}

/** The parts of a Kubernetes `Status` metatrain reads. */
interface Status {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

/** HTTP status code of a client-node error (ApiException `code`, watch errors `statusCode`), or undefined. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** Whether an answer body (parsed or JSON text) is a Kubernetes `Status` object, as every API server error is. */
export function isStatusBody(body: unknown): boolean {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return false;
    }
  }
  return typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'Status';
}

function statusOf(err: unknown): Status {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'object' && body !== null) return body as Status;
  if (typeof body !== 'string') return {};
  try {
    return JSON.parse(body) as Status;
  } catch {
    return { message: bodyExcerpt(body) };
  }
}

/**
 * The API server's refusal of a dry run because an admission webhook with side effects (`sideEffects` Unknown or
 * Some) matches the request: HTTP 400 BadRequest with the message `admission webhook "NAME" does not support dry run`
 * (k8s.io/apiserver, webhook errors `NewDryRunUnsupportedErr`). That message, or undefined for any other failure.
 */
export function dryRunUnsupportedMessage(err: unknown): string | undefined {
  if (httpStatusOf(err) !== 400) return undefined;
  const message = statusOf(err).message;
  return message !== undefined && /^admission webhook "(?:[^"\\]|\\.)*" does not support dry run$/.test(message) ? message : undefined;
}

/** The error of the chain whose `code` means the API server cannot be reached at all (or did not answer in time). */
function networkFailure(err: unknown): { code: string } | undefined {
  return findInCauseChain(err, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code) ? (e as { code: string }) : undefined;
  });
}

/** The network error code (`ECONNREFUSED`, `ETIMEDOUT`, ...) when the API server could not be reached, else undefined. */
export function networkCode(err: unknown): string | undefined {
  return networkFailure(err)?.code;
}

function causes(status: Status): string {
  const list = (status.details?.causes ?? []).map((c) => [c.field, c.message].filter(Boolean).join(': '));
  return list.length > 0 ? list.join('; ') : (status.message ?? 'no details');
}

function target(r: RequestDescription): string {
  return `${r.kind}${r.name !== undefined ? ` "${r.name}"` : 's'}${r.namespace ? ` in namespace "${r.namespace}"` : ''}`;
}

/**
 * The KubernetesError for a failed request. Already-typed KubernetesErrors pass through unchanged.
 * - 401: the credentials of the context were refused: log in again or pick another `--context`.
 * - 403: the identity lacks the RBAC verb: ask for it (the `kubectl auth can-i` line to check is included) or use
 *   another `--namespace`.
 * - 404: the object does not exist: check the run name and `--namespace`.
 * - 409 with reason `Conflict` on apply: fields are owned by another field manager: `--force-conflicts` or make
 *   the config match; other 409s: retry.
 * - 422: the API server rejected the object; the failing fields are listed.
 * - unreachable, or no answer within the request timeout (request-timeout.ts): check the context and that the
 *   cluster is up.
 * - a 2xx answer that is not a Kubernetes API object (api-answer.ts): the request and what came are named.
 * - no answer because of TLS (certificate not trusted, plain HTTP at an https:// URL) or a credential plugin that
 *   cannot be run (connection-failure.ts): what is wrong and what to set.
 * An answer body that is not a Status (an HTML page) is quoted as a short excerpt.
 */
export function toKubernetesError(err: unknown, r: RequestDescription, cluster: Pick<Cluster, 'server' | 'context'>): KubernetesError {
  if (err instanceof KubernetesError) return err;
  const code = httpStatusOf(err);
  const status = statusOf(err);
  const reason = status.reason;
  const said = status.message !== undefined ? ` (API server: ${status.message})` : '';
  const opts = { cause: err };
  const notApi = notApiAnswerOf(err);
  if (notApi !== undefined) {
    return new KubernetesError(
      `${notApiAnswerText(notApi.request, notApi.answer, notApi.problem)}: the server at ${cluster.server} answers in place of a Kubernetes API server. Check the server of context "${cluster.context}" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it, not a proxy or web server in front of it.`,
      0,
      'NotApiAnswer',
      opts,
    );
  }
  const connection = code === undefined ? connectionFailure(err) : undefined;
  if (connection !== undefined) return new KubernetesError(`cannot talk to the Kubernetes API server at ${cluster.server} (context "${cluster.context}"): ${connection.detail}.`, 0, connection.reason, opts);
  if (code === undefined) {
    const failure = networkFailure(err);
    const net = failure?.code;
    const detail = failure instanceof RequestTimeoutError ? `${failure.message} (${failure.code})` : (net ?? (err instanceof Error ? err.message : String(err)));
    return new KubernetesError(
      `cannot reach the Kubernetes API server at ${cluster.server} (context "${cluster.context}"): ${detail}. Check --context and that the cluster is up.`,
      0,
      net ?? 'Unreachable',
      opts,
    );
  }
  switch (code) {
    case 401:
      return new KubernetesError(`unauthorized: the API server refused the credentials of context "${cluster.context}"${said}. Log in again to refresh them, or pick another --context.`, code, reason ?? 'Unauthorized', opts);
    case 403:
      return new KubernetesError(
        `forbidden: you may not ${r.verb} ${target(r)}${said}. Ask a cluster admin for a Role granting "${r.verb}" on ${r.resource} there, or use a namespace you may write with --namespace. Check with: kubectl auth can-i ${r.verb} ${r.resource} -n ${r.namespace}`,
        code,
        reason ?? 'Forbidden',
        opts,
      );
    case 404:
      return new KubernetesError(
        `not found: ${target(r)}${said}. Check the run name and --namespace; list the runs there with: kubectl get deployments -n ${r.namespace} -l app.kubernetes.io/part-of=metatrain`,
        code,
        reason ?? 'NotFound',
        opts,
      );
    case 409:
      if (r.verb === 'patch' && reason === 'Conflict') {
        return new KubernetesError(
          `conflict: ${target(r)} has fields another field manager owns: ${causes(status)}. They were changed outside \`metatrain launch\` (kubectl edit, kubectl scale, metatrain scale). Re-run launch with --force-conflicts to take them back, or change the config to match.`,
          code,
          reason,
          opts,
        );
      }
      return new KubernetesError(`conflict: ${target(r)} changed while metatrain was updating it${said}. Run the command again.`, code, reason ?? 'Conflict', opts);
    case 422:
      return new KubernetesError(
        `invalid: the API server rejected ${target(r)}: ${causes(status)}. Fix the named field in the kubernetes section of the config; if you did not set it, report a metatrain bug.`,
        code,
        reason ?? 'Invalid',
        opts,
      );
    default:
      return new KubernetesError(`${r.verb} ${target(r)} failed with HTTP ${code}${said}.`, code, reason, opts);
  }
}
