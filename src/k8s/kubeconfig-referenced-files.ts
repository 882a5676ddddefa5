/**
 * The files a kubeconfig's cluster and user name: `certificate-authority`, `client-certificate`, `client-key` (PEM)
 * and `token-file`. client-node reads them whole, without a limit (`token-file: /dev/zero` grew the process without
 * end), the token file while loading, relative to the working directory, and the PEM files at the first request (a
 * missing one was reported as `URL is not a Kubernetes API server (… ENOENT …)`). metatrain reads them itself when
 * it loads the kubeconfig (./kubeconfig-files.ts, for the current context's cluster and user): each within
 * {@link MAX_REFERENCED_FILE_BYTES} (src/core/bounded-file.ts), as text (src/core/utf8-text.ts), relative to the
 * directory of the kubeconfig that names it (as kubectl resolves them), and hands client-node their contents instead
 * of their paths (`certificate-authority-data`, `client-certificate-data`, `client-key-data` as base64; `token`).
 */
import { dirname, resolve } from 'node:path';
import { readBoundedFile } from '../core/bounded-file';
import type { FileReadError } from '../core/errors';
import { unreadableReason } from '../core/unreadable-reason';
import { decodeTextFile } from '../core/utf8-text';
import type { ClusterEntry, UserEntry } from './kubeconfig-schema';

/**
 * The largest file a kubeconfig names that is read: 1 MiB. A token is a line of at most a few KiB (a service account
 * JWT is about 1 KiB), a PEM certificate or key a few KiB, a CA bundle (Mozilla's, about 150 certificates) some 200 KiB.
 */
export const MAX_REFERENCED_FILE_BYTES = 1 << 20;

/** A cluster or user entry of a kubeconfig file, and where it is. */
export interface Located<T> {
  readonly entry: T;
  /** The kubeconfig file that holds it. */
  readonly file: string;
  /** Its index in the file's `clusters` or `users`, for field paths (`users[0].user.token-file`). */
  readonly index: number;
}

/** The error for a problem of a field of the kubeconfig `file`: `detail` starts with the field's path. */
export type Refuse = (file: string, detail: string, cause?: unknown) => Error;

/** The PEM file fields, each with the field client-node reads its contents from, as base64. */
const CLUSTER_PEM_FIELDS = { 'certificate-authority': 'certificate-authority-data' } as const;
const USER_PEM_FIELDS = { 'client-certificate': 'client-certificate-data', 'client-key': 'client-key-data' } as const;

/**
 * `located`'s cluster entry with its `certificate-authority` file read (relative to the kubeconfig's directory) and
 * given as `certificate-authority-data`. As in client-node, a file that is named wins over `-data`.
 * @throws what `refuse` returns when the file cannot be used (see {@link readReferencedFile}).
 */
export function clusterWithFileContents(located: Located<ClusterEntry>, refuse: Refuse): ClusterEntry {
  const { entry } = located;
  return { ...entry, cluster: withPemContents(entry.cluster, CLUSTER_PEM_FIELDS, `clusters[${located.index}].cluster`, located.file, refuse) };
}

/**
 * `located`'s user entry with its files read (relative to the kubeconfig's directory): `client-certificate` and
 * `client-key` given as `client-certificate-data` and `client-key-data` (a file that is named wins over `-data`, as in
 * client-node), and, unless the user has a `token` (which client-node then uses instead), `token-file` given as
 * `token`: its one line without the white space around it, as kubectl reads it (a file written by `echo` ends with a
 * line feed, which client-node put in the Authorization header: "is not a legal HTTP header value" on every request).
 * The token is read once, here, as client-node 1.3 does (kubectl reads it again every minute, for a token that is
 * rotated): metatrain's cluster commands take seconds, and the coordinator in a pod uses the service account, whose
 * token client-node reads again. `exec` and `auth-provider` are left as they are, for client-node.
 * @throws what `refuse` returns when a file cannot be used (see {@link readReferencedFile}), or the token file holds
 *   more than one line.
 */
export function userWithFileContents(located: Located<UserEntry>, refuse: Refuse): UserEntry {
  const { entry, index, file } = located;
  if (!entry.user) return entry;
  const at = `users[${index}].user`;
  const { 'token-file': tokenFile, ...user } = withPemContents(entry.user, USER_PEM_FIELDS, at, file, refuse);
  if (user.token || !tokenFile) return { ...entry, user };
  const token = readReferencedFile(tokenFile, `${at}.token-file`, 'the token', file, refuse, oneLine).trim();
  return { ...entry, user: { ...user, token } };
}

/** Why `text` (a token file's) is not one line, to follow "…, which"; undefined when it is (around white space aside). */
function oneLine(text: string): string | undefined {
  const lines = text.trim().split(/\r?\n/).length;
  return lines > 1 ? `holds ${lines} lines: a token is one line` : undefined;
}

/**
 * The check of a PEM file's text: it must hold a `-----BEGIN CERTIFICATE-----` block (a `-----BEGIN … PRIVATE
 * KEY-----` block when `key`). A file that held none (a DER file, a token) was accepted and the certificate of the
 * server then reported as "not trusted", or the key as a TLS error, at the first request.
 */
function pemBlock(key: boolean): (text: string) => string | undefined {
  const begin = key ? /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ : /-----BEGIN CERTIFICATE-----/;
  const what = key ? 'no PEM private key (no "-----BEGIN … PRIVATE KEY-----" line)' : 'no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)';
  return (text) => (begin.test(text) ? undefined : `holds ${what}`);
}

/**
 * `fields` with each file field of `pemFields` that is set replaced by its data field: the file's text as base64,
 * once it holds a PEM block (pemBlock).
 * A field set to '' or null is dropped, as client-node ignores it.
 */
function withPemContents<T extends Record<string, unknown>>(fields: T, pemFields: Readonly<Record<string, string>>, at: string, kubeconfig: string, refuse: Refuse): T {
  const out: Record<string, unknown> = { ...fields };
  for (const [fileField, dataField] of Object.entries(pemFields)) {
    const name = out[fileField];
    delete out[fileField];
    if (typeof name !== 'string' || name === '') continue;
    const key = fileField === 'client-key';
    const holds = key ? 'a PEM private key' : 'a PEM certificate';
    out[dataField] = Buffer.from(readReferencedFile(name, `${at}.${fileField}`, holds, kubeconfig, refuse, pemBlock(key)), 'utf8').toString('base64');
  }
  return out as T;
}

/**
 * The text of the file `name` that `field` of the kubeconfig file `kubeconfig` names, relative to that file's
 * directory: at most {@link MAX_REFERENCED_FILE_BYTES}, more than white space, and as `check` wants it.
 * @param holds what the file must hold, for the message when it is empty: `the token`, `a PEM certificate`.
 * @param check what else is wrong with the text, to follow "…, which", or undefined when nothing is.
 * @throws what `refuse` returns, saying `FIELD names PATH, which` does not exist, is not a regular file but a
 *   directory (a character device …), is too large, cannot be read (why), is empty, or what `check` says, or
 *   `FIELD names PATH:` where it is not text.
 */
function readReferencedFile(name: string, field: string, holds: string, kubeconfig: string, refuse: Refuse, check: (text: string) => string | undefined = () => undefined): string {
  const path = resolve(dirname(kubeconfig), name);
  const names = `${field} names ${path}`;
  const bytes = readBoundedFile(path, MAX_REFERENCED_FILE_BYTES, (err) => refuse(kubeconfig, `${names}, which ${readProblem(err, 'a token, a PEM certificate or key is a few KiB')}`, err));
  const decoded = decodeTextFile(bytes);
  if ('problem' in decoded) throw refuse(kubeconfig, `${names}: ${decoded.problem}; it must hold ${holds}, as text`);
  if (decoded.text.trim() === '') throw refuse(kubeconfig, `${names}, which is empty${bytes.length > 0 ? ' (only white space)' : ''}: it must hold ${holds}`);
  const problem = check(decoded.text);
  if (problem) throw refuse(kubeconfig, `${names}, which ${problem}`);
  return decoded.text;
}

/**
 * Why a file could not be read (a kubeconfig, or a file it names), to follow "FILE" or "…, which": `does not exist`,
 * `is not a regular file but a directory`, `is too large: … allowed; ` and `sizeNote`, `cannot be read: permission
 * denied`.
 */
export function readProblem(err: FileReadError, sizeNote: string): string {
  if (err.reason === 'too-large') return `is too large: ${err.detail}; ${sizeNote}`;
  if (err.reason === 'not-a-file') return `is ${err.detail}`;
  if (err.code === 'ENOENT') return 'does not exist';
  if (err.code === 'ENOTDIR') return 'does not exist (a folder of its path is a file)';
  return `cannot be read: ${unreadableReason(err.cause)}`;
}
