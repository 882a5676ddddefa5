/**
 * Deploy settings: a validated run config (its `kubernetes` section, defaults already filled in by
 * src/core/config.ts) compiled into everything the renderer needs, with the in-cluster values the processes
 * must use (listen address, ports, output directory, base directory of relative paths) decided here and only here.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, posix } from 'node:path';
import type { RunConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import { DEFAULT_LISTEN } from '../coordinator/runtime-config';
import { packageFile } from '../core/package-root';
import { natsPortsOf } from './nats-ports';

/** gRPC port of the coordinator inside the cluster. */
export const GRPC_PORT = 7070;
/** HTTP port of `/metrics`, `/healthz` (and on the coordinator `/readyz`, `/status`) of every process. */
export const METRICS_PORT = 9464;
/** Where the run config is mounted in the coordinator pod. */
export const CONFIG_DIR = '/etc/metatrain';
/** File name of the run config inside the ConfigMap and {@link CONFIG_DIR}. */
export const CONFIG_FILE = 'run.yaml';
/** Parent of the run's output directory (the PersistentVolumeClaim is mounted at `<this>/<run>`). */
export const DATA_ROOT = '/var/lib/metatrain';
/**
 * Working directory of every image (deploy/docker/Dockerfile `WORKDIR`): the in-cluster `runtime.baseDir`, so a
 * relative `task.path` names a file inside the images, not one beside the config on the machine that launched.
 */
export const IMAGE_WORKDIR = '/app';

/** The package version (package.json). */
const packageVersion = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;

/** Kind of worker node the run targets: GPU workers run tfjs-node-gpu, CPU workers the wasm backend. */
export type WorkerDevice = 'gpu' | 'cpu';

/** The kind of worker node `config` asks for: GPU when `kubernetes.gpu.count` is above 0. */
function configuredDevice(config: RunConfig): WorkerDevice {
  return config.kubernetes.gpu.count > 0 ? 'gpu' : 'cpu';
}

/** The tfjs backend of a worker image for `device`: tfjs-node-gpu on GPU images, wasm on CPU images. */
function backendOf(device: WorkerDevice): 'tensorflow' | 'wasm' {
  return device === 'gpu' ? 'tensorflow' : 'wasm';
}

/** Everything the renderer needs about one run, derived from its config. */
export interface DeploySettings {
  readonly run: string;
  readonly namespace: string;
  /** Package version: the `app.kubernetes.io/version` label and the default image tag. */
  readonly version: string;
  readonly images: { readonly coordinator: string; readonly worker: string };
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly device: WorkerDevice;
  /** `METATRAIN_BACKEND` of the workers: `tensorflow` on GPU images, `wasm` on CPU images. */
  readonly backend: 'tensorflow' | 'wasm';
  /** Worker replicas (`runtime.workers`). */
  readonly workers: number;
  readonly kubernetes: RunConfig['kubernetes'];
  /** NATS URL, or undefined when compression is off and no NATS is configured. */
  readonly natsUrl: string | undefined;
  /** Every TCP port of the servers of the NATS URL (for the compressor's NetworkPolicy; src/k8s/nats-ports.ts); empty without one. */
  readonly natsPorts: readonly number[];
  /** Output directory inside the pods (the PVC mount). */
  readonly outDir: string;
  /** Whether a compressor Deployment is part of the run. */
  readonly compressor: boolean;
  /** The run config as the in-cluster coordinator reads it (no `kubernetes` section, in-cluster runtime values). */
  readonly clusterConfig: Omit<RunConfig, 'kubernetes'>;
}

/** Overrides from the command line. */
export interface SettingsOverrides {
  /** Namespace instead of `kubernetes.namespace` (`--namespace`). */
  readonly namespace?: string;
  /** Target GPU or CPU workers regardless of `kubernetes.gpu.count` (the kustomize overlays use both). */
  readonly device?: WorkerDevice;
}

/**
 * Compiles a validated run config into deploy settings.
 * @throws ConfigError at `nats.url` when compression is enabled but no NATS URL is set (the compressor consumes
 *   the JetStream queue; NATS is a dependency installed separately, see docs/kubernetes.md), or when a server of
 *   the URL holds credentials (src/k8s/nats-ports.ts; its syntax is checked as the config is read); at `model.init` for `pretrained` (pretraining runs locally, before launch);
 *   at `name` for a name starting with a digit (the coordinator's Service name must start with a letter, RFC 1035).
 */
export function compileDeploySettings(config: RunConfig, overrides: SettingsOverrides = {}): DeploySettings {
  const k = config.kubernetes;
  const device: WorkerDevice = overrides.device ?? configuredDevice(config);
  const natsUrl = config.nats?.url;
  if (config.compression.enabled && natsUrl === undefined) {
    throw new ConfigError('nats.url', 'a Kubernetes run with compression needs a NATS server with JetStream: set nats.url (see docs/kubernetes.md) or compression.enabled: false');
  }
  if (!/^[a-z]/.test(config.name)) {
    throw new ConfigError('name', `${config.name} starts with a digit, which a Kubernetes Service name (${config.name}-coordinator) may not (RFC 1035 label): give the run a name starting with a letter`);
  }
  if (config.model.init === 'pretrained') {
    throw new ConfigError('model.init', 'a Kubernetes run does not pretrain: run metatrain pretrain CONFIG first, put its checkpoint on the run volume or in the image, and set model.init to that directory (docs/kubernetes.md)');
  }
  const outDir = `${DATA_ROOT}/${config.name}`;
  const { kubernetes: _omitted, ...rest } = config;
  const clusterConfig = {
    ...rest,
    runtime: { ...config.runtime, listen: `0.0.0.0:${GRPC_PORT}`, metricsPort: METRICS_PORT, outDir, baseDir: IMAGE_WORKDIR },
  };
  return {
    run: config.name,
    namespace: overrides.namespace ?? k.namespace,
    version: packageVersion,
    images: {
      coordinator: k.images.coordinator ?? `metatrain/metatrain:${packageVersion}`,
      worker: device === 'gpu' ? (k.images.workerGpu ?? `metatrain/metatrain-worker-gpu:${packageVersion}`) : (k.images.workerCpu ?? `metatrain/metatrain-worker-cpu:${packageVersion}`),
    },
    imagePullPolicy: k.imagePullPolicy,
    device,
    backend: backendOf(device),
    workers: config.runtime.workers,
    kubernetes: k,
    natsUrl,
    natsPorts: natsUrl === undefined ? [] : natsPortsOf(natsUrl),
    outDir,
    compressor: config.compression.enabled,
    clusterConfig,
  };
}

/**
 * What `metatrain launch` (and `--dry-run`) says on stderr before it applies or prints a run, one line each: every
 * `runtime` value the config sets that {@link compileDeploySettings} replaces with its in-cluster value (listen
 * address, metrics port, output directory, backend; not `baseDir`, which loading the config fills in), and every path of this machine a pod will read instead
 * (`task.path` of a jsonl run: in the images, a relative one under {@link IMAGE_WORKDIR}; a `model.init` directory:
 * on the run volume or in the coordinator image; docs/kubernetes.md). Nothing is refused: the paths may well exist
 * in the images.
 */
export function launchWarnings(config: RunConfig): string[] {
  const { listen, metricsPort, outDir } = config.runtime;
  const warnings: string[] = [];
  const replaced = (field: string, value: string | number, by: string | number, what: string) =>
    warnings.push(`runtime.${field} ${value} is replaced in the cluster by ${by} (${what}); the config's value applies to local runs only`);
  if (listen !== DEFAULT_LISTEN) replaced('listen', listen, `0.0.0.0:${GRPC_PORT}`, "the coordinator Service's port");
  if (metricsPort !== undefined && metricsPort !== METRICS_PORT) replaced('metricsPort', metricsPort, METRICS_PORT, 'the port Prometheus scrapes in every pod');
  if (outDir !== undefined) replaced('outDir', outDir, `${DATA_ROOT}/${config.name}`, "the run's volume");
  const inCluster = backendOf(configuredDevice(config));
  // The default, wasm, is no choice of the user's; another backend is, unless it is the one the workers get.
  if (config.runtime.backend !== 'wasm' && config.runtime.backend !== inCluster) {
    replaced('backend', config.runtime.backend, inCluster, `the worker image's backend: tensorflow on GPU workers, wasm on CPU workers`);
  }
  const { path } = config.task;
  if (config.task.family === 'jsonl' && path !== undefined) {
    const inPods = isAbsolute(path) ? path : posix.join(IMAGE_WORKDIR, path);
    warnings.push(`task.path ${path} is read in the pods at ${inPods}, in the coordinator and worker images, not on this machine: put the file there (docs/kubernetes.md)`);
  }
  const { init } = config.model;
  if (init !== 'random' && init !== 'pretrained') {
    warnings.push(`model.init ${init} is read by the coordinator pod${isAbsolute(init) ? '' : ` at ${posix.join(IMAGE_WORKDIR, init)}`}, not on this machine: copy the checkpoint directory onto the run's volume (${DATA_ROOT}/${config.name}) or into the coordinator image and give that path (docs/kubernetes.md)`);
  }
  return warnings;
}
