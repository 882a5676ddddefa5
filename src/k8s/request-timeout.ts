/**
 * A deadline on every request of the cluster clients. client-node 1.3 sends with node-fetch 2 and no deadline
 * (its `IsomorphicFetchHttpLibrary`), so an API server that accepts the connection and never answers hangs
 * `metatrain launch`, `status`, `scale` and `stop` for ever. This HTTP library sends the same request (URL, method,
 * headers, body and the kubeconfig's TLS or proxy agent) with node-fetch's `timeout`, which aborts the request when
 * the answer, headers or body, has not come within the deadline.
 */
import fetch, { FetchError, type BodyInit } from 'node-fetch';
import { ResponseContext, wrapHttpLibrary, type HttpLibrary, type RequestContext } from '@kubernetes/client-node';

/** Deadline of one request to the API server when `--request-timeout` is not given: 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Thrown when the API server sent no full answer within the deadline. `code` is `ETIMEDOUT`, as for a connection
 * that timed out, so api-error.ts reports it as an unreachable API server.
 */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'ETIMEDOUT';
}

/**
 * The RequestTimeoutError for a node-fetch timeout, other errors unchanged: `no answer within 30 s`, or, when the
 * headers came (`status`, HTTP status code) and the body stalled, `an answer (HTTP 200) that stopped before its end`.
 */
function timedOut(err: unknown, timeoutMs: number, status?: number): unknown {
  if (err instanceof FetchError && (err.type === 'request-timeout' || err.type === 'body-timeout')) {
    const what = status === undefined ? 'no answer' : `an answer (HTTP ${status}) that stopped before its end: no whole answer`;
    return new RequestTimeoutError(`${what} within ${timeoutMs / 1000} s (--request-timeout)`, { cause: err });
  }
  return err;
}

/**
 * The HTTP library of the cluster clients: each request fails with RequestTimeoutError when its answer takes
 * longer than `timeoutMs` milliseconds.
 */
export function timeoutHttpLibrary(timeoutMs: number): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const response = await fetch(request.getUrl(), {
        method: request.getHttpMethod().toString(),
        body: request.getBody() as BodyInit | undefined,
        headers: request.getHeaders(),
        agent: request.getAgent(),
        timeout: timeoutMs,
      }).catch((err: unknown) => {
        throw timedOut(err, timeoutMs);
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const caught = <T>(body: Promise<T>): Promise<T> =>
        body.catch((err: unknown) => {
          throw timedOut(err, timeoutMs, response.status);
        });
      return new ResponseContext(response.status, headers, { text: () => caught(response.text()), binary: () => caught(response.buffer()) });
    },
  });
}
