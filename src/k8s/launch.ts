/**
 * `metatrain launch`: puts a run on the cluster by server-side apply of the rendered objects (all dry-run first, so
 * that a refused launch changes nothing), creating the
 * run-token Secret when it does not exist yet (an existing token is never replaced, so running pods keep
 * agreeing on it). Idempotent: launching the same config again leaves every object unchanged.
 */
import { randomBytes } from 'node:crypto';
import type { RunConfig } from '../core/config';
import { KubernetesError, RunTokenError } from '../core/errors';
import { runTokenProblem } from '../core/run-token';
import { applyObject, dryRunApply, LAUNCH_FIELD_MANAGER, type ApplyOptions, type ApplyResult } from './apply';
import type { Cluster } from './cluster';
import { toYamlDocuments } from './manifest-yaml';
import { runNames } from './names';
import { renderNamespace, renderRun, type KubeObject } from './render-run';
import { renderTokenSecret } from './render-storage';
import { compileDeploySettings } from './settings';
import { httpStatusOf, toKubernetesError } from './api-error';
import { assertApiServer } from './api-server-check';

/** Options of {@link launchRun}. */
export interface LaunchOptions extends ApplyOptions {
  /** Token to store when the Secret is created (not looked at when it exists); default: `$METATRAIN_TOKEN` when set and not empty, else 32 random bytes in hex. */
  readonly token?: string;
}

/** What launch did. */
export interface LaunchResult {
  readonly run: string;
  readonly namespace: string;
  /** Every object in apply order, with what happened to it. */
  readonly results: ApplyResult[];
  /** What the user should know about how it was applied (the dry run skipped), one line each. */
  readonly warnings: string[];
}

/**
 * Applies the run's objects (namespace, token Secret if missing, then renderRun's objects in order), after a
 * server-side dry run of all of them ({@link dryRunAll}): a launch the cluster refuses changes nothing.
 * @throws ConfigError when the config cannot be deployed (compileDeploySettings).
 * @throws RunTokenError, before any write, when the Secret does not exist yet and the token to store would be refused by
 *   the run's processes (an existing Secret is kept, and the token is then not looked at).
 * @throws KubernetesError when the server is not a Kubernetes API server (api-server-check.ts) or refuses a
 *   request (403, 409 conflict, 422, unreachable, a kind the cluster does not serve). A refusal the dry run meets
 *   ends with `Nothing was applied.`; one only the real apply meets (the namespace was created by this launch, so
 *   the rest could not be dry-run; the cluster changed in between) leaves the objects applied before it, and
 *   launching again resumes. When the cluster cannot dry-run (an admission webhook with side effects), the objects
 *   are applied without it and `warnings` says so.
 */
export async function launchRun(cluster: Cluster, config: RunConfig, options: LaunchOptions = {}): Promise<LaunchResult> {
  const settings = compileDeploySettings(config, { ...(cluster.namespace !== undefined ? { namespace: cluster.namespace } : {}) });
  await assertApiServer(cluster);
  const namespace = renderNamespace(settings);
  const secretName = runNames(settings.run).token;
  const secretExists = await cluster.core.readNamespacedSecret({ name: secretName, namespace: settings.namespace }).then(
    () => true,
    (err: unknown) => {
      if (httpStatusOf(err) === 404) return false;
      throw toKubernetesError(err, { verb: 'get', resource: 'secrets', kind: 'Secret', name: secretName, namespace: settings.namespace }, cluster);
    },
  );
  // The token is checked only when the Secret is to be created: an existing one is kept, whatever METATRAIN_TOKEN says.
  const objects = [...(secretExists ? [] : [renderTokenSecret(settings, tokenToStore(options.token))]), ...renderRun(settings)];
  const warnings = await dryRunAll(cluster, namespace, objects, options);
  const results: ApplyResult[] = [await applyNamespace(cluster, settings.namespace, namespace, options)];
  if (secretExists) results.push({ kind: 'Secret', name: secretName, namespace: settings.namespace, action: 'unchanged' });
  for (const object of objects) results.push(await applyObject(cluster, object, LAUNCH_FIELD_MANAGER, options));
  return { run: settings.run, namespace: settings.namespace, results, warnings };
}

/**
 * A server-side dry run (`dryRun=All`) of the namespace, then of every object, before launch writes anything, so
 * that a launch the cluster refuses (a field another manager owns, such as replicas after `metatrain scale`; an
 * invalid object; a forbidden verb; a kind it does not serve) leaves the cluster as it was. A namespace that does not
 * exist yet holds none of the run's objects, so nothing can conflict: the objects are then not dry-run (a real API
 * server answers 404 to a dry run in a missing namespace). A namespace the caller may not apply (403) is taken to
 * exist, as {@link applyNamespace} does. A cluster that refuses every dry run because an admission webhook with side
 * effects matches it (400 `admission webhook "NAME" does not support dry run`) is applied to without the dry run, as
 * before dry runs were made.
 * @returns warnings: one when the dry run was skipped, none otherwise.
 * @throws KubernetesError of the first refusal, its message ending with `Nothing was applied.`
 */
async function dryRunAll(cluster: Cluster, namespace: KubeObject, objects: readonly KubeObject[], options: ApplyOptions): Promise<string[]> {
  try {
    const namespaceExists = await dryRunApply(cluster, namespace, LAUNCH_FIELD_MANAGER, options).catch((err: unknown) => {
      if (err instanceof KubernetesError && err.statusCode === 403) return true;
      throw err;
    });
    if (!namespaceExists) return [];
    for (const object of objects) await dryRunApply(cluster, object, LAUNCH_FIELD_MANAGER, options);
    return [];
  } catch (err) {
    if (err instanceof KubernetesError && err.reason === 'DryRunUnsupported') {
      return [`the cluster refuses dry runs (${err.message}), so launch applies without checking every object first: an object the cluster refuses leaves those before it applied, and launching again resumes`];
    }
    if (err instanceof KubernetesError) throw new KubernetesError(`${err.message} Nothing was applied.`, err.statusCode, err.reason, { cause: err });
    throw err;
  }
}

/**
 * The token launch stores if it creates the Secret: `given`, else `$METATRAIN_TOKEN` (empty counts as unset), else
 * 32 random bytes in hex.
 * @throws RunTokenError when the token is one the coordinator and workers would refuse (the same check as theirs,
 *   src/core/run-token.ts): they would crash-loop on it, and launch never replaces the Secret.
 */
function tokenToStore(given: string | undefined): string {
  if (given === undefined) {
    refuseEnvToken('launch created nothing');
    return process.env['METATRAIN_TOKEN'] || randomBytes(32).toString('hex');
  }
  const bad = runTokenProblem(given);
  if (bad !== undefined) throw new RunTokenError(`the run token: ${bad}`);
  return given;
}

/**
 * Refuses a `$METATRAIN_TOKEN` that is set, not empty, and not a run token (src/core/run-token.ts).
 * @param outcome what became of the launch, as `launch created nothing`.
 * @throws RunTokenError naming the problem, the outcome, and to set a good token or unset it.
 */
function refuseEnvToken(outcome: string): void {
  const token = process.env['METATRAIN_TOKEN'];
  const bad = token ? runTokenProblem(token) : undefined;
  if (bad === undefined) return;
  throw new RunTokenError(`METATRAIN_TOKEN: ${bad}; ${outcome}. Set METATRAIN_TOKEN to such a token, or unset it (or leave it empty) for launch to make a random one.`);
}

/**
 * Applies the namespace. Users of shared clusters often may not read or patch namespaces (403): their namespace
 * is then taken to exist (`assumed`), and a missing one shows up as 404 on the first namespaced object.
 */
async function applyNamespace(cluster: Cluster, name: string, namespace: KubeObject, options: ApplyOptions): Promise<ApplyResult> {
  try {
    return await applyObject(cluster, namespace, LAUNCH_FIELD_MANAGER, options);
  } catch (err) {
    if (err instanceof KubernetesError && err.statusCode === 403) return { kind: 'Namespace', name, namespace: undefined, action: 'assumed' };
    throw err;
  }
}

/**
 * The YAML `metatrain launch --dry-run` prints: the namespace and the run's objects, preceded by a comment about
 * the token Secret (created on the cluster by launch, never printed).
 * @throws ConfigError when the config cannot be deployed; RunTokenError when `$METATRAIN_TOKEN` is set to a token
 *   launch would refuse to store (checked whenever set, as the dry run cannot tell whether the Secret exists).
 */
export function launchManifest(config: RunConfig, namespace?: string): string {
  refuseEnvToken('launch would refuse it when it creates the token Secret');
  const settings = compileDeploySettings(config, namespace !== undefined ? { namespace } : {});
  const note = `# Secret ${runNames(settings.run).token} (the run token) is created on the cluster by \`metatrain launch\` and not shown.\n`;
  return note + toYamlDocuments([renderNamespace(settings), ...renderRun(settings)]);
}
