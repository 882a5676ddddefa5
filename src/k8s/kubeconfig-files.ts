/**
 * The kubeconfig, found as kubectl finds it: `--kubeconfig FILE`, else the files `$KUBECONFIG` lists (`a:b`, merged
 * as kubectl merges them), else `~/.kube/config`, else the in-cluster service account. metatrain reads each file itself
 * instead of client-node's `loadFromFile`, which reads a file whole (`KUBECONFIG=/dev/zero` grows without end) and
 * fails on a bad one with a message that names neither the file nor the field: each is read within
 * {@link MAX_KUBECONFIG_BYTES} (src/core/bounded-file.ts), must be text (src/core/utf8-text.ts), YAML holding a
 * mapping, with fields of the types client-node reads (./kubeconfig-schema.ts); the files its current context's
 * cluster and user name are read likewise (./kubeconfig-referenced-files.ts); only then does client-node load it.
 */
import { existsSync, statSync } from 'node:fs';
import { devNull, homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LineCounter, parseDocument } from 'yaml';
import { readBoundedFile } from '../core/bounded-file';
import { echoJson } from '../core/echo-value';
import { KubernetesError } from '../core/errors';
import { decodeTextFile } from '../core/utf8-text';
import { clusterWithFileContents, readProblem, userWithFileContents, type Located } from './kubeconfig-referenced-files';
import { checkKubeconfig, type Kubeconfig } from './kubeconfig-schema';

/**
 * The largest kubeconfig file read: 4 MiB. A kubeconfig is a few KiB per cluster (its certificates embedded as
 * base64), so this holds hundreds of clusters.
 */
export const MAX_KUBECONFIG_BYTES = 4 << 20;

/** What names a kubeconfig file: the option, the environment variable, or nothing (the default `~/.kube/config`). */
type Source = '--kubeconfig' | 'KUBECONFIG' | undefined;

/**
 * What the message of a kubeconfig that cannot be used ends with: when `KUBECONFIG` named it, to fix that or pass
 * `--kubeconfig` (not to set it, as it is set); else to pass `--kubeconfig FILE` or set `KUBECONFIG`.
 */
function adviceFor(source: Source): string {
  return source === 'KUBECONFIG' ? 'Fix KUBECONFIG or pass --kubeconfig FILE.' : 'Pass --kubeconfig FILE or set KUBECONFIG.';
}

/** A loaded kubeconfig and where it came from. */
export interface LoadedKubeconfig {
  readonly kubeConfig: KubeConfig;
  /** For messages: the file, `KUBECONFIG=a:b` when it lists several, or `the in-cluster service account`. */
  readonly where: string;
}

/** A kubeconfig file, checked. */
interface KubeconfigFile {
  readonly file: string;
  readonly kubeconfig: Kubeconfig;
}

/**
 * Loads the kubeconfig from `file` (`--kubeconfig`), else from the files of `$KUBECONFIG` (separated by `:`, `;` on
 * Windows; empty names skipped, and, as kubectl does, files that do not exist or are empty, such as /dev/null) merged
 * by kubectl's rules ({@link merged}), else from `~/.kube/config`, else, in a pod (`KUBERNETES_SERVICE_HOST` set), as
 * client-node does (the service account), and makes `context` (`--context`) its current context. The files that the
 * current context's cluster and user name (`certificate-authority`, `client-certificate`, `client-key`, `token-file`)
 * are read here, relative to the kubeconfig that names them (./kubeconfig-referenced-files.ts); those of other
 * clusters and users are not, as kubectl reads only those it uses (a stale entry of a deleted cluster breaks nothing),
 * so the KubeConfig returned holds every context but only the current one's cluster and user. Makes no request.
 * @throws KubernetesError (reason `NoConfig`) when none of these exists (naming the places looked at), `$KUBECONFIG`
 *   or `file` names no file, none of the files of a `$KUBECONFIG` list holds a kubeconfig (each named, missing or
 *   empty), `context` is not one of the kubeconfig's (listing those there are), or a file cannot be used, naming that
 *   one file: it does not exist, is a directory or a device, is larger than {@link MAX_KUBECONFIG_BYTES}, is not text,
 *   is not valid YAML (line and column), holds no kubeconfig (an empty file given alone, or YAML that is not a
 *   mapping), a field client-node reads has the wrong type, is missing or empty (its path,
 *   `clusters[0].cluster.server`), or a file that the current context's cluster or user names cannot be used (the
 *   field, `users[0].user.token-file`, the file and why).
 */
export function loadKubeconfig(file?: string, context?: string): LoadedKubeconfig {
  if (file !== undefined) return fromFiles('--kubeconfig', file, [file], context);
  const list = process.env['KUBECONFIG'];
  if (list) return fromFiles('KUBECONFIG', list, list.split(delimiter), context);
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles(undefined, home, [home], context);
  if (process.env['KUBERNETES_SERVICE_HOST']) {
    // No file to read here: client-node's search ends at the service account mounted in the pod.
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    if (context !== undefined) {
      checkContext(context, kubeConfig.getContexts());
      kubeConfig.setCurrentContext(context);
    }
    return { kubeConfig, where: 'the in-cluster service account' };
  }
  // client-node would fall back to an unauthenticated http://localhost:8080, which fails later with an unrelated message.
  throw new KubernetesError(`no kubeconfig found: KUBECONFIG is not set, ${home} does not exist and this is not a pod (no KUBERNETES_SERVICE_HOST). ${adviceFor(undefined)}`, 0, 'NoConfig');
}

/** The kubeconfig of the files `names` (empty names skipped, and in a `$KUBECONFIG` list missing and empty files), named by `source` as `value`. @throws KubernetesError as {@link loadKubeconfig}. */
function fromFiles(source: Source, value: string, names: readonly string[], context: string | undefined): LoadedKubeconfig {
  const named = names.filter((name) => name !== '');
  if (named.length === 0) throw new KubernetesError(`${source} is ${echoJson(value)}, which names no file. ${adviceFor(source)}`, 0, 'NoConfig');
  // kubectl skips the files of $KUBECONFIG that do not exist and reads an empty one as an empty kubeconfig; one file
  // alone is read, and named below when it cannot be used.
  const list = source === 'KUBECONFIG' && named.length > 1;
  const entries = named.map((name) => ({ name, skipped: list ? whySkipped(name) : undefined }));
  const files = entries.filter((e) => e.skipped === undefined).map((e) => e.name);
  if (files.length === 0) throw new KubernetesError(`${source} is ${echoJson(value)}, and none of its files holds a kubeconfig (${entries.map((e) => `${e.name} ${e.skipped}`).join(', ')}). ${adviceFor(source)}`, 0, 'NoConfig');
  const kubeConfig = merged(files.map((file) => readKubeconfigFile(file, source)), context, source);
  return { kubeConfig, where: files.length === 1 ? files[0]! : `${source}=${value}` };
}

/**
 * Why kubectl skips the file `name` of a `$KUBECONFIG` list, or undefined when it reads it: `does not exist` (ENOENT,
 * or ENOTDIR: a folder of its path is a file, `/etc/passwd/x`, which `statSync`'s `throwIfNoEntry: false` still
 * throws), or `is empty` (a regular file of 0 bytes, or the null device, /dev/null: kubectl reads an empty kubeconfig).
 * Any other failure (EACCES) is not a reason: reading the file then says what is wrong.
 */
function whySkipped(name: string): string | undefined {
  try {
    const stats = statSync(name);
    if (stats.isFile() && stats.size === 0) return 'is empty';
    return stats.isCharacterDevice() && stats.rdev === statSync(devNull).rdev ? 'is empty' : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : undefined;
  }
}

/** One kubeconfig file, read and checked. @throws KubernetesError naming `file` when it cannot be used. */
function readKubeconfigFile(file: string, source: Source): KubeconfigFile {
  const subject = source === undefined ? `the kubeconfig ${file}` : `${source} names ${file}, which`;
  const bytes = readBoundedFile(file, MAX_KUBECONFIG_BYTES, (err) => new KubernetesError(`${subject} ${readProblem(err, 'a kubeconfig is a few KiB')}. ${adviceFor(source)}`, 0, 'NoConfig', { cause: err }));
  const decoded = decodeTextFile(bytes);
  if ('problem' in decoded) throw refuse(file, source, `${decoded.problem}; a kubeconfig is YAML text`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(decoded.text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw refuse(file, source, `invalid YAML at line ${line}, column ${col}: ${error.message}`, error);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // An alias expanding past yaml's maxAliasCount (a "billion laughs" file).
    throw refuse(file, source, `invalid YAML: ${(err as Error).message}`, err);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw refuse(file, source, 'it holds no kubeconfig (an empty file, or YAML that is not a mapping)');
  const checked = checkKubeconfig(data);
  if ('problem' in checked) throw refuse(file, source, checked.problem);
  return { file, kubeconfig: checked.kubeconfig };
}

/** The error for the kubeconfig `file` (named by `source`), which cannot be used: `cannot read the kubeconfig FILE: ` and `detail`. */
function refuse(file: string, source: Source, detail: string, cause?: unknown): KubernetesError {
  return new KubernetesError(`cannot read the kubeconfig ${file}: ${detail}. ${adviceFor(source)}`, 0, 'NoConfig', cause === undefined ? undefined : { cause });
}

/** @throws KubernetesError unless one of `contexts` is named `context`, listing their names. */
function checkContext(context: string, contexts: ReadonlyArray<{ readonly name: string }>): void {
  if (contexts.some((c) => c.name === context)) return;
  const known = contexts.map((c) => c.name).join(', ') || 'none';
  throw new KubernetesError(`no context "${context}" in the kubeconfig (contexts: ${known}); pick one with --context.`, 0, 'NoConfig');
}

/**
 * `files` merged by kubectl's rules (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files):
 * the first file to define a cluster, user or context of a name wins (later ones of that name are ignored), and the
 * current context is `context`, else that of the first file that sets one. (client-node's `loadFromDefault` takes the
 * last file's current context and refuses a name defined twice.) Of the clusters and users, only the current
 * context's are loaded, with the files they name read.
 * @throws KubernetesError when `context` is not one of the contexts, or a file the current context's cluster or user
 *   names cannot be used.
 */
function merged(files: readonly KubeconfigFile[], context: string | undefined, source: Source): KubeConfig {
  const refuseFile = (file: string, detail: string, cause?: unknown) => refuse(file, source, detail, cause);
  const contexts = firstOfEachName(files.flatMap((f) => f.kubeconfig.contexts ?? []));
  if (context !== undefined) checkContext(context, contexts);
  const current = context ?? files.map((f) => f.kubeconfig['current-context']).find(Boolean);
  const used = contexts.find((c) => c.name === current)?.context;
  const cluster = used && firstNamed(files, (k) => k.clusters, used.cluster);
  const user = used?.user ? firstNamed(files, (k) => k.users, used.user) : undefined;
  const kubeConfig = new KubeConfig();
  // As JSON (which is YAML), so that client-node reads the fields as it reads them from a file.
  kubeConfig.loadFromString(
    JSON.stringify({
      clusters: cluster ? [clusterWithFileContents(cluster, refuseFile)] : [],
      users: user ? [userWithFileContents(user, refuseFile)] : [],
      contexts,
      'current-context': current,
    }),
  );
  return kubeConfig;
}

/** The first item of each name, in order. */
function firstOfEachName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.name)) return false;
    seen.add(item.name);
    return true;
  });
}

/** The first entry named `name` of the list `list` picks from each of `files`, with where it is; undefined when there is none. */
function firstNamed<T extends { readonly name: string }>(files: readonly KubeconfigFile[], list: (k: Kubeconfig) => readonly T[] | null | undefined, name: string): Located<T> | undefined {
  for (const { file, kubeconfig } of files) {
    const entries = list(kubeconfig) ?? [];
    const index = entries.findIndex((entry) => entry.name === name);
    if (index >= 0) return { entry: entries[index]!, file, index };
  }
  return undefined;
}
