/**
 * Loading and checking the three PEM files of mutual TLS (`--tls-ca`, `--tls-cert`, `--tls-key` of `metatrain
 * worker`, `coordinator` and `watch`) before any connection is made: a missing or unreadable file, one that is not
 * PEM, a certificate where the key belongs (or the reverse), or a key that does not belong to the certificate is
 * refused at once with a {@link TlsFileError} naming the flag, the file and what is wrong, instead of an OpenSSL
 * error at the first handshake (or a worker retrying forever). Parsing is node:crypto's (`X509Certificate`,
 * `createPrivateKey`, `X509Certificate.checkPrivateKey`); PEM is RFC 7468.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readBoundedFile } from '../core/bounded-file';
import { TlsFileError, type FileReadReason } from '../core/errors';

/** Certificate files (PEM) for mutual TLS. */
export interface TlsFiles {
  /** CA certificate that signed the peer's certificate (`--tls-ca`). */
  caFile: string;
  /** This side's certificate chain (`--tls-cert`). */
  certFile: string;
  /** This side's private key (`--tls-key`). */
  keyFile: string;
}

/** The contents of {@link TlsFiles}, checked: PEM bytes as grpc-js and node:tls take them. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The command-line flag of each file, for messages. */
const TLS_FLAGS: Readonly<Record<keyof TlsFiles, string>> = { caFile: '--tls-ca', certFile: '--tls-cert', keyFile: '--tls-key' };

/**
 * The largest TLS file read, in bytes (1 MiB): a PEM certificate is a few KB, a chain of them or a CA bundle
 * (Mozilla's, about 150 certificates) some 200 KB; a device such as /dev/zero was read until memory ran out.
 */
export const MAX_TLS_FILE_BYTES = 1 << 20;

/** What a TlsFileError for a file that cannot be read says after the reader's reason. */
const ADVICE: Record<FileReadReason, string> = {
  unreadable: '',
  'not-a-file': ': give a PEM file',
  'too-large': ': a PEM certificate or key is a few KB (MAX_TLS_FILE_BYTES); give the PEM file itself',
};

/** RFC 7468 encapsulation boundary: `-----BEGIN LABEL-----`. */
const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;

/**
 * Reads and checks the three files: the CA and the certificate must each hold a PEM certificate, the key a PEM
 * private key (unencrypted), and the key must be the certificate's.
 * @returns the files' bytes.
 * @throws TlsFileError naming the flag (`--tls-ca`, `--tls-cert`, `--tls-key`), the file and the problem, also when
 *   it is not a regular file or a pipe (a directory, a device such as /dev/zero) or larger than
 *   {@link MAX_TLS_FILE_BYTES}.
 */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  const ca = read(files, 'caFile');
  const cert = read(files, 'certFile');
  const key = read(files, 'keyFile');
  certificate(files, 'caFile', ca);
  const certificateObject = certificate(files, 'certFile', cert);
  const keyObject = privateKey(files, key);
  if (!certificateObject.checkPrivateKey(keyObject)) {
    throw new TlsFileError(TLS_FLAGS.keyFile, files.keyFile, `this private key does not belong to the certificate ${TLS_FLAGS.certFile} ${files.certFile} (give the key the certificate was issued for)`);
  }
  return { ca, cert, key };
}

/** The bytes of one file, at most {@link MAX_TLS_FILE_BYTES}; TlsFileError naming its flag when it cannot be read. */
function read(files: TlsFiles, which: keyof TlsFiles): Buffer {
  const file = files[which];
  return readBoundedFile(file, MAX_TLS_FILE_BYTES, (err) => new TlsFileError(TLS_FLAGS[which], file, `${err.detail}${ADVICE[err.reason]}`, { cause: err }));
}

/** The PEM label of the first block (`CERTIFICATE`, `PRIVATE KEY` …), or undefined when the bytes are not PEM. */
function pemLabel(bytes: Buffer): string | undefined {
  return PEM_BEGIN.exec(bytes.toString('latin1'))?.[1];
}

function certificate(files: TlsFiles, which: 'caFile' | 'certFile', bytes: Buffer): X509Certificate {
  const flag = TLS_FLAGS[which];
  const label = pemLabel(bytes);
  if (label === undefined) throw new TlsFileError(flag, files[which], 'not a PEM file (no "-----BEGIN CERTIFICATE-----" line): give the certificate in PEM');
  if (label.endsWith('PRIVATE KEY')) throw new TlsFileError(flag, files[which], `holds a private key (${label}), not a certificate: ${flag} takes a certificate (-----BEGIN CERTIFICATE-----)`);
  try {
    return new X509Certificate(bytes);
  } catch (err) {
    throw new TlsFileError(flag, files[which], `not a valid PEM certificate (${(err as Error).message})`, { cause: err });
  }
}

function privateKey(files: TlsFiles, bytes: Buffer): KeyObject {
  const flag = TLS_FLAGS.keyFile;
  const label = pemLabel(bytes);
  if (label === undefined) throw new TlsFileError(flag, files.keyFile, 'not a PEM file (no "-----BEGIN PRIVATE KEY-----" line): give the private key in PEM');
  if (!label.endsWith('PRIVATE KEY')) throw new TlsFileError(flag, files.keyFile, `holds a ${label.toLowerCase()}, not a private key: ${flag} takes the private key (-----BEGIN PRIVATE KEY-----)`);
  try {
    return createPrivateKey(bytes);
  } catch (err) {
    throw new TlsFileError(flag, files.keyFile, `not a usable private key (${(err as Error).message}); an encrypted key must be decrypted first`, { cause: err });
  }
}
