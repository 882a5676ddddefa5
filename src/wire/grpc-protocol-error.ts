/**
 * Telling a server that answers, but not in gRPC over HTTP/2 (a metrics port, NATS, a web server), from one that is
 * down: grpc-js reports both as `UNAVAILABLE`, the first with `Last error: Protocol error` in its details.
 */
import * as grpc from '@grpc/grpc-js';

/**
 * Whether `err` (a grpc-js `ServiceError`) says that the address answered, but not in HTTP/2: a retry meets the
 * same server.
 */
export function answersNotInGrpc(err: unknown): boolean {
  const { code, details } = (err ?? {}) as { code?: number; details?: string };
  return code === grpc.status.UNAVAILABLE && typeof details === 'string' && /Last error: Protocol error\b/.test(details);
}
