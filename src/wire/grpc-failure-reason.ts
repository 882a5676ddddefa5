/**
 * The words of a grpc-js call that failed before reaching a server, without grpc-js's wrapping: its details read
 * `No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7070. Resolution note: ` (sometimes
 * with a timestamp), of which only `connect ECONNREFUSED 127.0.0.1:7070` tells the user anything.
 */
import * as grpc from '@grpc/grpc-js';

/**
 * `err`'s reason for a message: its details without grpc-js's `No connection established. Last error:` prefix, its
 * `Resolution note` and timestamp, prefixed by the status name (`UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7070`).
 * @param err a grpc-js `ServiceError` (or anything with `code` and `details`).
 */
export function grpcFailureReason(err: { code?: number; details?: string; message?: string }): string {
  const details = (err.details ?? err.message ?? '')
    .replace(/^No connection established\. Last error: (Error: )?/, '')
    .split('\n')[0]!
    .replace(/\.?\s*Resolution note:.*$/, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)$/, '')
    .trim();
  const name = err.code === undefined ? undefined : grpc.status[err.code];
  return name ? `${name}: ${details}` : details;
}

/** Whether the grpc-js call failed with `err` because nothing listens at the address (ECONNREFUSED). */
export function grpcConnectionRefused(err: { code?: number; details?: string }): boolean {
  return err.code === grpc.status.UNAVAILABLE && typeof err.details === 'string' && /\bECONNREFUSED\b/.test(err.details);
}
