/**
 * Which failures to reach the coordinator a worker stops retrying on. A refused token is `UNAUTHENTICATED` (so is
 * a plaintext worker at a TLS coordinator, or a refused client certificate: src/coordinator/grpc-listener.ts).
 * A failed TLS handshake reaches grpc-js clients as `UNAVAILABLE`, like a coordinator that is down, but OpenSSL's
 * reason in its details tells a TLS mismatch apart: a plaintext coordinator (`wrong version number`), a
 * coordinator certificate the worker's CA did not sign or that does not name the host dialled, a TLS alert.
 * Those come back on every retry; a coordinator that restarts mid-handshake gives a reset connection instead. So does
 * an address where something else answers, not in HTTP/2 (`Protocol error`: a metrics port, NATS, a web server).
 */
import * as grpc from '@grpc/grpc-js';
import { NotGrpcError, TlsMismatchError } from '../core/errors';
import { answersNotInGrpc } from '../wire/grpc-protocol-error';
import { grpcDetailsReason } from '../wire/grpc-failure-reason';

/** OpenSSL and Node reasons of a handshake that fails the same way on every try, each with what to do about it. */
const TLS_FAILURES: ReadonlyArray<{ pattern: RegExp; hint: string }> = [
  { pattern: /wrong version number|packet length too long|unknown protocol/i, hint: 'the coordinator does not speak TLS: start the worker without --tls-ca/--tls-cert/--tls-key, or the coordinator with them' },
  {
    pattern: /self[- ]signed certificate|unable to (verify|get local issuer)|certificate (has expired|is not yet valid|signature failure)|Hostname\/IP does not match|ERR_TLS_CERT/i,
    hint: "the worker does not trust the coordinator's certificate: --tls-ca must be the CA that signed it, and the certificate must name the host the worker dials",
  },
  { pattern: /SSL routines|alert/i, hint: 'the worker and the coordinator must both use TLS with certificates signed by one CA (--tls-ca, --tls-cert, --tls-key)' },
];

/**
 * The TLS mismatch behind a failed connection, or undefined when `err` is not one.
 * @param err what the Join stream failed with (a grpc-js `ServiceError`).
 * @param address the coordinator's address, for the message.
 * @returns a {@link TlsMismatchError} naming the address, the reason and what to do.
 */
export function tlsMismatch(err: unknown, address: string): TlsMismatchError | undefined {
  const { code, details } = err as { code?: number; details?: string };
  if (code !== grpc.status.UNAVAILABLE || typeof details !== 'string') return undefined;
  const failure = TLS_FAILURES.find((f) => f.pattern.test(details));
  if (!failure) return undefined;
  // grpc-js appends its own "Resolution note: …" and a timestamp to the OpenSSL reason; keep the reason.
  const reason = grpcDetailsReason(details);
  return new TlsMismatchError(`TLS handshake with the coordinator at ${address} failed (${reason}): ${failure.hint}`, { cause: err });
}

/**
 * The error for an address where a server answers, but not in gRPC over HTTP/2, or undefined when `err` is not that.
 * @param err what the Join stream failed with (a grpc-js `ServiceError`; grpc-js reports such a server as
 *   `UNAVAILABLE` with `Last error: Protocol error`).
 * @param address the coordinator's address, for the message.
 */
export function notGrpc(err: unknown, address: string): NotGrpcError | undefined {
  if (!answersNotInGrpc(err)) return undefined;
  return new NotGrpcError(
    `${address} answers, but not in gRPC (HTTP/2 protocol error): give --coordinator the coordinator's gRPC address (runtime.listen, the port it prints as "listening"), not its metrics port, NATS or another server`,
    { cause: err },
  );
}
