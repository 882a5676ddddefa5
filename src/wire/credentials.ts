/**
 * Authentication of workers: a shared run token sent as gRPC metadata (`authorization: Bearer <token>`), and/or
 * mutual TLS when certificate files are configured (the server then requires a client certificate signed by the
 * configured CA). Anything else is refused with UNAUTHENTICATED.
 */
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AuthError } from '../core/errors';

/** Certificate files (PEM) for mutual TLS. */
export interface TlsFiles {
  /** CA certificate that signed the peer's certificate. */
  caFile: string;
  /** This side's certificate chain. */
  certFile: string;
  /** This side's private key. */
  keyFile: string;
}

const HEADER = 'authorization';

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new AuthError(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The coordinator's side of mutual TLS, as `node:tls` server options: its CA (which must have signed a worker's
 * certificate), certificate chain and key. The coordinator's listener (src/coordinator/grpc-listener.ts) does the
 * handshake itself, so that it can log and explain a refused one, and checks the worker's certificate.
 * @throws AuthError naming the file that cannot be read.
 */
export function serverTlsOptions(tls: TlsFiles): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: read(tls.caFile, 'CA certificate'), cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'private key') };
}

/** Channel credentials for a worker: mutual TLS when `tls` is given, otherwise plaintext. */
export function channelCredentials(tls?: TlsFiles): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(read(tls.caFile, 'CA certificate'), read(tls.keyFile, 'private key'), read(tls.certFile, 'certificate'));
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
