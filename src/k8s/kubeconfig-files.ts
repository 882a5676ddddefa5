/**
 * The kubeconfig, found as kubectl finds it: `--kubeconfig FILE`, else the files `$KUBECONFIG` lists (`a:b`, merged
 * as kubectl merges them), else `~/.kube/config`, else the in-cluster service account. metatrain reads each file itself
 * instead of client-node's `loadFromFile`, which reads a file whole (`KUBECONFIG=/dev/zero` grows without end) and
 * fails on a bad one with a message that names neither the file nor the field: each is read within
 * {@link MAX_KUBECONFIG_BYTES} (src/core/bounded-file.ts), must be text (src/core/utf8-text.ts), YAML holding a
 * mapping, with fields of the types client-node reads (./kubeconfig-schema.ts); only then does client-node load it.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LineCounter, parseDocument } from 'yaml';
import { readBoundedFile } from '../core/bounded-file';
import { echoJson } from '../core/echo-value';
import { KubernetesError, type FileReadError } from '../core/errors';
import { unreadableReason } from '../core/unreadable-reason';
import { decodeTextFile } from '../core/utf8-text';
import { kubeconfigFieldProblem } from './kubeconfig-schema';

/**
 * The largest kubeconfig file read: 4 MiB. A kubeconfig is a few KiB per cluster (its certificates embedded as
 * base64), so this holds hundreds of clusters.
 */
export const MAX_KUBECONFIG_BYTES = 4 << 20;

/** What the message of a kubeconfig that cannot be used ends with. */
const ADVICE = 'Pass --kubeconfig FILE or set KUBECONFIG.';

/** What names a kubeconfig file: the option, the environment variable, or nothing (the default `~/.kube/config`). */
type Source = '--kubeconfig' | 'KUBECONFIG' | undefined;

/** A loaded kubeconfig and where it came from. */
export interface LoadedKubeconfig {
  readonly kubeConfig: KubeConfig;
  /** For messages: the file, `KUBECONFIG=a:b` when it lists several, or `the in-cluster service account`. */
  readonly where: string;
}

/**
 * Loads the kubeconfig from `file` (`--kubeconfig`), else from the files of `$KUBECONFIG` (separated by `:`, `;` on
 * Windows; empty names skipped) merged by kubectl's rules ({@link merged}), else from `~/.kube/config`, else, in a pod
 * (`KUBERNETES_SERVICE_HOST` set), as client-node does (the service account). Relative certificate and key paths are
 * taken from each file's directory. Makes no request.
 * @throws KubernetesError (reason `NoConfig`) when none of these exists (naming the places looked at), `$KUBECONFIG`
 *   or `file` names no file, or a file cannot be used, naming that one file: it does not exist, is a directory or a
 *   device, is larger than {@link MAX_KUBECONFIG_BYTES}, is not text, is not valid YAML (line and column), holds no
 *   kubeconfig (an empty file, or YAML that is not a mapping), or a field client-node reads has the wrong type, is
 *   missing or empty (its path, `clusters[0].cluster.server`).
 */
export function loadKubeconfig(file?: string): LoadedKubeconfig {
  if (file !== undefined) return fromFiles('--kubeconfig', file, [file]);
  const list = process.env['KUBECONFIG'];
  if (list) return fromFiles('KUBECONFIG', list, list.split(delimiter));
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles(undefined, home, [home]);
  if (process.env['KUBERNETES_SERVICE_HOST']) {
    // No file to read here: client-node's search ends at the service account mounted in the pod.
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    return { kubeConfig, where: 'the in-cluster service account' };
  }
  // client-node would fall back to an unauthenticated http://localhost:8080, which fails later with an unrelated message.
  throw new KubernetesError(`no kubeconfig found: KUBECONFIG is not set, ${home} does not exist and this is not a pod (no KUBERNETES_SERVICE_HOST). ${ADVICE}`, 0, 'NoConfig');
}

/** The kubeconfig of the files `names` (empty ones skipped), named by `source` as `value`. @throws KubernetesError as {@link loadKubeconfig}. */
function fromFiles(source: Source, value: string, names: readonly string[]): LoadedKubeconfig {
  const files = names.filter((name) => name !== '');
  if (files.length === 0) throw new KubernetesError(`${source} is ${echoJson(value)}, which names no file. ${ADVICE}`, 0, 'NoConfig');
  const kubeConfig = merged(files.map((file) => readKubeconfigFile(file, source)));
  return { kubeConfig, where: files.length === 1 ? files[0]! : `${source}=${value}` };
}

/** One kubeconfig file, checked and loaded. @throws KubernetesError naming `file` when it cannot be used. */
function readKubeconfigFile(file: string, source: Source): KubeConfig {
  const subject = source === undefined ? `the kubeconfig ${file}` : `${source} names ${file}, which`;
  const bytes = readBoundedFile(file, MAX_KUBECONFIG_BYTES, (err) => new KubernetesError(`${subject} ${readProblem(err)}. ${ADVICE}`, 0, 'NoConfig', { cause: err }));
  const refuse = (detail: string, cause?: unknown) => new KubernetesError(`cannot read the kubeconfig ${file}: ${detail}. ${ADVICE}`, 0, 'NoConfig', cause === undefined ? undefined : { cause });
  const decoded = decodeTextFile(bytes);
  if ('problem' in decoded) throw refuse(`${decoded.problem}; a kubeconfig is YAML text`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(decoded.text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw refuse(`invalid YAML at line ${line}, column ${col}: ${error.message}`, error);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // An alias expanding past yaml's maxAliasCount (a "billion laughs" file).
    throw refuse(`invalid YAML: ${(err as Error).message}`, err);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw refuse('it holds no kubeconfig (an empty file, or YAML that is not a mapping)');
  const problem = kubeconfigFieldProblem(data);
  if (problem) throw refuse(problem);
  const kubeConfig = new KubeConfig();
  try {
    // The data as JSON (which is YAML), so that client-node loads exactly what was checked.
    kubeConfig.loadFromString(JSON.stringify(data));
  } catch (err) {
    // client-node reads a user's token-file while loading.
    throw refuse((err as Error).message, err);
  }
  kubeConfig.makePathsAbsolute(dirname(file));
  return kubeConfig;
}

/** Why a kubeconfig file could not be read, to follow "FILE" or "…, which": `does not exist`, `is not a regular file but a directory` … */
function readProblem(err: FileReadError): string {
  if (err.reason === 'too-large') return `is too large: ${err.detail}; a kubeconfig is a few KiB`;
  if (err.reason === 'not-a-file') return `is ${err.detail}`;
  return err.code === 'ENOENT' ? 'does not exist' : `cannot be read: ${unreadableReason(err.cause)}`;
}

/**
 * `configs` merged by kubectl's rules (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files):
 * the first file to define a cluster, user or context of a name wins (later ones of that name are ignored), and the
 * current context is that of the first file that sets one. (client-node's `loadFromDefault` takes the last file's
 * current context and refuses a name defined twice.)
 */
function merged(configs: readonly KubeConfig[]): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: firstOfEachName(configs.flatMap((c) => c.clusters)),
    users: firstOfEachName(configs.flatMap((c) => c.users)),
    contexts: firstOfEachName(configs.flatMap((c) => c.contexts)),
    currentContext: configs.map((c) => c.currentContext).find(Boolean),
  });
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
