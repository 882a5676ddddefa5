/**
 * Why a worker could not reach its coordinator, in words, for the line it logs before each retry: grpc-js reports
 * every such failure as `14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED …` or
 * `14 UNAVAILABLE: Name resolution failed for target dns:…`; the system's code is read from that text.
 */
import * as grpc from '@grpc/grpc-js';

/** The system error codes of a coordinator that cannot be reached, in words. */
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name lookup failed for now',
};

/**
 * Why the coordinator at its address could not be reached, in words (`connection refused`, `host name does not resolve`
 * …), or undefined when `err` is not such a failure (a session that ended, another gRPC status).
 * @param err what the Join stream failed with (a grpc-js `ServiceError`).
 */
export function unreachableReason(err: unknown): string | undefined {
  const { code, details } = err as { code?: number; details?: string };
  if (code !== grpc.status.UNAVAILABLE || typeof details !== 'string') return undefined;
  if (/^Name resolution failed/i.test(details)) return REASONS['ENOTFOUND'];
  const system = /\b(E[A-Z_]+)\b/.exec(details)?.[1];
  return system === undefined ? undefined : REASONS[system];
}
