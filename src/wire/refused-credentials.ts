/**
 * Telling a coordinator that refuses the caller's credentials from one that cannot be reached: it answers
 * `UNAUTHENTICATED` (no or wrong run token, a plaintext client at a TLS coordinator, a refused client certificate:
 * src/coordinator/grpc-server.ts, grpc-listener.ts) or `PERMISSION_DENIED`, and answers the same on every retry.
 * A worker and `metatrain watch --coordinator` stop at once on it, with one message.
 */
import * as grpc from '@grpc/grpc-js';
import { AuthError } from '../core/errors';

/**
 * The error for a call the coordinator refused for its credentials, or undefined when `err` is not that.
 * @param err what a call failed with (a grpc-js `ServiceError`).
 * @returns an {@link AuthError} whose message is the status as grpc-js words it, which names the reason and what
 *   to present, e.g. `16 UNAUTHENTICATED: wrong run token: present the run token (METATRAIN_TOKEN or --token-file), …`;
 *   `err` is its cause.
 */
export function refusedCredentials(err: unknown): AuthError | undefined {
  const { code, message } = (err ?? {}) as { code?: number; message?: unknown };
  if (code !== grpc.status.UNAUTHENTICATED && code !== grpc.status.PERMISSION_DENIED) return undefined;
  return new AuthError(typeof message === 'string' ? message : `${grpc.status[code]} from the coordinator`, { cause: err });
}
