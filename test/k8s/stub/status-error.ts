/**
 * Kubernetes `Status` error objects (API conventions: kind Status, status Failure, reason, message, details,
 * code) and the exception the stub's handlers throw to answer with one.
 */

/** A JSON object as the stub stores and sends it. */
export type Obj = Record<string, any>;

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict',
  415: 'UnsupportedMediaType', 422: 'Invalid', 503: 'ServiceUnavailable',
};

/** A failure Status. */
export function statusObject(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** Thrown by handlers; the server answers with `status`. */
export class HttpFailure extends Error {
  constructor(readonly status: Obj) {
    super(status['message']);
  }
}

/** Throws an HttpFailure with the usual reason of `code` unless one is given. */
export function fail(code: number, message: string, details?: Obj, reason = REASONS[code] ?? 'InternalError'): never {
  throw new HttpFailure(statusObject(code, reason, message, details));
}
