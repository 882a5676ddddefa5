/**
 * Size and sha256 of a file's bytes, as listed beside the files they protect (a checkpoint's `manifest.json`, a
 * compression result's `compression.json`), and the check of bytes read back against such a listing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Length in bytes and lower-case hex sha256 (FIPS 180-4) of a file's contents. */
export interface FileDigest {
  readonly bytes: number;
  readonly sha256: string;
}

/** A {@link FileDigest} as a listing records it: a non-negative integer size and 64 lower-case hex digits. */
export const fileDigestSchema = z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not 64 lower-case hex digits') });

/** The digest of `bytes`. */
export function digestOf(bytes: Uint8Array): FileDigest {
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Why `bytes` (the file `name`) do not match `expected` as listed in `listing` (e.g. `manifest.json`), or undefined
 * when they match: `truncated: NAME holds N bytes, LISTING says M` (or without `truncated:` when longer), or
 * `NAME fails its sha256 check (file X, LISTING Y); corrupt`. The caller wraps it in its own error.
 */
export function digestMismatch(name: string, bytes: Uint8Array, expected: FileDigest, listing: string): string | undefined {
  if (bytes.length !== expected.bytes) {
    return `${bytes.length < expected.bytes ? 'truncated: ' : ''}${name} holds ${bytes.length} bytes, ${listing} says ${expected.bytes}`;
  }
  const { sha256 } = digestOf(bytes);
  return sha256 === expected.sha256 ? undefined : `${name} fails its sha256 check (file ${sha256}, ${listing} ${expected.sha256}); corrupt`;
}
