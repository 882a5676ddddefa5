/**
 * The words of a grpc-js call that failed before reaching a server. grpc-js reports every such failure as
 * `UNAVAILABLE` with details such as `No connection established. Last error: Error: connect ECONNREFUSED
 * 127.0.0.1:7070. Resolution note: ` (sometimes with a timestamp) or `Name resolution failed for target dns:…`, of
 * which only the system's reason (`connect ECONNREFUSED 127.0.0.1:7070`) tells the user anything.
 */
import * as grpc from '@grpc/grpc-js';

/** The system error codes of a server that cannot be reached, in words. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name lookup failed for now',
};

/**
 * `details` of a failed grpc-js call without grpc-js's `No connection established. Last error:` prefix, its
 * `Resolution note` and its timestamp (`connect ECONNREFUSED 127.0.0.1:7070`, or an OpenSSL reason).
 */
export function grpcDetailsReason(details: string): string {
  return details
    .replace(/^No connection established\. Last error: (Error: )?/, '')
    .split('\n')[0]!
    .replace(/\.?\s*Resolution note:.*$/, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)$/, '')
    .trim();
}

/**
 * `err`'s reason for a message: {@link grpcDetailsReason} of its details, prefixed by the status name
 * (`UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7070`).
 * @param err a grpc-js `ServiceError` (or anything with `code` and `details`).
 */
export function grpcFailureReason(err: { code?: number; details?: string; message?: string }): string {
  const details = grpcDetailsReason(err.details ?? err.message ?? '');
  const name = err.code === undefined ? undefined : grpc.status[err.code];
  return name ? `${name}: ${details}` : details;
}

/**
 * Why the server at a call's address could not be reached, in words (`connection refused`, `host name does not
 * resolve` …), or undefined when `err` is not such a failure (a session that ended, another gRPC status).
 * @param err what the call failed with (a grpc-js `ServiceError`).
 */
export function unreachableReason(err: unknown): string | undefined {
  const { code, details } = (err ?? {}) as { code?: number; details?: string };
  if (code !== grpc.status.UNAVAILABLE || typeof details !== 'string') return undefined;
  if (/^Name resolution failed/i.test(details)) return UNREACHABLE['ENOTFOUND'];
  const system = /\b(E[A-Z_]+)\b/.exec(details)?.[1];
  return system === undefined ? undefined : UNREACHABLE[system];
}

/** Whether the grpc-js call failed with `err` because nothing listens at the address (ECONNREFUSED). */
export function grpcConnectionRefused(err: unknown): boolean {
  return unreachableReason(err) === UNREACHABLE['ECONNREFUSED'];
}
