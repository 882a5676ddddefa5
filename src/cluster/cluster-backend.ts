/**
 * The seam between the cluster commands (`metatrain launch`, `scale`, `status`, `stop`) and the engine that runs a
 * run's coordinator and workers: an interface, the engine-neutral results the commands print, and a registry by
 * name, as grpc-js keeps resolvers (`resolver.ts`: interface + `registerResolver`, beside `resolver-dns.ts`).
 * Kubernetes (src/k8s/cluster-backend-kubernetes.ts) is registered by the CLI (src/cli/cluster-options.ts); another
 * engine implements {@link ClusterBackend} in its own folder and registers a factory under its name there.
 */
import type { RunConfig } from '../core/config';
import { ConfigError } from '../core/errors';

/** Where the commands find the engine (the `--kubeconfig`, `--context`, `--namespace` flags), every field optional. */
export interface ClusterBackendOptions {
  /** The engine's client configuration file (Kubernetes: a kubeconfig). @default the engine's own search */
  readonly configFile?: string;
  /** Which cluster of that configuration (Kubernetes: a context). @default its current one */
  readonly context?: string;
  /** The group the run's objects live in (Kubernetes: a namespace). @default the config's, else the engine's default */
  readonly namespace?: string;
  /** Deadline of each request to the engine, in milliseconds. @default the engine's (Kubernetes: 30 s) */
  readonly requestTimeoutMs?: number;
}

/** One object a launch applied, and what happened to it (`created`, `configured`, `unchanged`, ...). */
export interface LaunchedObject {
  readonly kind: string;
  readonly name: string;
  readonly action: string;
}

/** What {@link ClusterBackend.launch} did. */
export interface LaunchReport {
  readonly run: string;
  readonly namespace: string;
  /** The cluster, in the engine's words (Kubernetes: `context NAME`). */
  readonly target: string;
  /** Every object in the order applied. */
  readonly objects: readonly LaunchedObject[];
  /** Lines to print as `warning: …` (Kubernetes: the dry run was skipped). */
  readonly warnings: readonly string[];
}

/** What {@link ClusterBackend.scale} did. */
export interface ScaleReport {
  readonly run: string;
  readonly namespace: string;
  /** The workers' group, in the engine's words (Kubernetes: `deployment NAME`). */
  readonly workerGroup: string;
  /** Workers requested before the call. */
  readonly previous: number;
  /** Workers requested now. */
  readonly desired: number;
}

/** Status of a run, as {@link ClusterBackend.status} reports it (printed as a table, or as JSON with `--json`). */
export interface ClusterRunStatus {
  readonly run: string;
  readonly namespace: string;
  /** Where `phase` comes from: the coordinator's `/status`, or the state of the coordinator's pod (process). */
  readonly source: 'coordinator' | 'pod';
  /** The coordinator's phase (`training`, `succeeded`, ...), or one derived from its pod's state (`absent`, `pending`, ...). */
  readonly phase: string;
  readonly step?: number;
  readonly maxSteps?: number;
  readonly metaLoss?: number;
  /** The coordinator's latest message (why it waits or failed), when it has one. */
  readonly message?: string;
  readonly lastCheckpoint?: string;
  /** Workers: desired, ready, and pending / running. */
  readonly workers: { readonly desired: number; readonly ready: number; readonly pending: number; readonly running: number };
  /** Why pending workers wait (the scheduler's message), when it says. */
  readonly waitingReason?: string;
  /**
   * Why the coordinator's `/status` could not be read (source `pod` only), one line: `coordinator unreachable: HTTP 503: …`,
   * or `coordinator answered /status with something that is not a metatrain status (missing "phase")`.
   */
  readonly unreachable?: string;
}

/** An object {@link ClusterBackend.stop} deleted or kept. */
export interface StoppedObject {
  readonly kind: string;
  readonly name: string;
}

/** What {@link ClusterBackend.stop} did. */
export interface StopReport {
  readonly run: string;
  readonly namespace: string;
  readonly deleted: StoppedObject[];
  /** Objects left in place on purpose (the data volume without `deleteData`). */
  readonly kept: StoppedObject[];
}

/**
 * An engine that runs a run's coordinator and workers. Methods throw the engine's typed error (Kubernetes:
 * KubernetesError) with a message saying what to do; ConfigError when the config cannot be deployed.
 */
export interface ClusterBackend {
  /** The name it is registered under. */
  readonly name: string;
  /** What {@link launch} would apply, as text for `--dry-run` (Kubernetes: YAML documents). Contacts no cluster. */
  render(config: RunConfig): string;
  /**
   * What the engine changes or cannot see of `config`, one line each, for `launch` (and `--dry-run`) to print before
   * it acts: config values it replaces with its own, paths of the launching machine its processes read elsewhere
   * (Kubernetes: src/k8s/settings.ts, launchWarnings). Contacts no cluster.
   */
  warnings(config: RunConfig): string[];
  /** Starts (or updates: idempotent) the run of `config`. `forceConflicts`: take over fields another writer set. */
  launch(config: RunConfig, options?: { readonly forceConflicts?: boolean }): Promise<LaunchReport>;
  /** Sets the number of workers of `run` (0 pauses them). @throws RangeError when `workers` is not a non-negative integer. */
  scale(run: string, workers: number): Promise<ScaleReport>;
  /** Status of `run`: from its coordinator when reachable, else from the engine's view of its processes. */
  status(run: string): Promise<ClusterRunStatus>;
  /** Deletes the objects of `run` (idempotent); its data volume only with `deleteData`. */
  stop(run: string, options?: { readonly deleteData?: boolean }): Promise<StopReport>;
}

/** Builds a backend for the given options; called once per command. Must contact no cluster. */
export type ClusterBackendFactory = (options: ClusterBackendOptions) => ClusterBackend;

const factories = new Map<string, ClusterBackendFactory>();

/**
 * Registers `factory` under `name` (lowercase letters, digits and dashes).
 * @throws ConfigError when the name is malformed or already taken.
 */
export function registerClusterBackend(name: string, factory: ClusterBackendFactory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ConfigError('cluster backend', `name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`);
  if (factories.has(name)) throw new ConfigError('cluster backend', `${name} is already registered`);
  factories.set(name, factory);
}

/** The registered backend names, in registration order. */
export function clusterBackendNames(): string[] {
  return [...factories.keys()];
}

/**
 * The backend registered as `name`, built for `options`.
 * @throws ConfigError naming `name` and the registered names when none is registered under it.
 */
export function clusterBackend(name: string, options: ClusterBackendOptions = {}): ClusterBackend {
  const factory = factories.get(name);
  if (!factory) throw new ConfigError('--cluster-backend', `no cluster backend ${JSON.stringify(name)} (registered: ${clusterBackendNames().join(', ') || 'none'})`);
  return factory(options);
}
