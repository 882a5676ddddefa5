/**
 * Authentication of workers: a shared run token sent as gRPC metadata (`authorization: Bearer <token>`), and/or
 * mutual TLS when certificate files are configured (the server then requires a client certificate signed by the
 * configured CA). Anything else is refused with UNAUTHENTICATED.
 */
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadTlsMaterial, type TlsFiles } from './tls-material';

export type { TlsFiles } from './tls-material';

const HEADER = 'authorization';

/**
 * Channel credentials for a worker or `metatrain watch`: mutual TLS when `tls` is given, otherwise plaintext.
 * @throws TlsFileError naming the flag and the file that is missing, unreadable, not PEM or the wrong kind, or the
 *   key that does not belong to the certificate (./tls-material.ts).
 */
export function channelCredentials(tls?: TlsFiles): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const { ca, key, cert } = loadTlsMaterial(tls);
  return grpc.credentials.createSsl(ca, key, cert);
}

/** Metadata carrying the run token. */
export function tokenMetadata(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(HEADER, `Bearer ${token}`);
  return md;
}

/**
 * Checks the run token in a call's metadata (constant-time compare).
 * @returns undefined when accepted, otherwise the reason (for the UNAUTHENTICATED status and the log).
 */
export function checkToken(metadata: grpc.Metadata, expected: string): string | undefined {
  const values = metadata.get(HEADER);
  if (values.length === 0) return 'no run token presented';
  // RFC 7235 §2.1: the auth scheme is case-insensitive ("Bearer", "bearer"); one or more spaces follow it.
  const match = /^(\S+) +(.*)$/s.exec(String(values[0]));
  if (!match || match[1]!.toLowerCase() !== 'bearer') return `the ${HEADER} metadata is not "Bearer <run token>"`;
  const want = Buffer.from(expected);
  const got = Buffer.from(match[2]!);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'wrong run token';
  return undefined;
}
