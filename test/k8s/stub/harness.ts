/**
 * Test harness: starts the API server stub, writes a kubeconfig for it and connects metatrain's cluster client
 * through that kubeconfig, exactly as the CLI does; finds the repository root for file-based tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseRunConfig, runConfigOfText, type RunConfig } from '../../../src/core/config';
import { connectCluster, type Cluster, type ClusterOptions } from '../../../src/k8s/cluster';
import { startApiServerStub, type ApiServerStub, type StubOptions } from './api-server-stub';

/** The repository root (the folder holding examples/k8s-run.yaml), from test/k8s or dist/test/k8s. */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'examples', 'k8s-run.yaml')) && existsSync(join(dir, 'deploy', 'k8s'))) return dir;
  }
  throw new Error(`no repository root above ${__dirname}`);
}

/** The example run config of the repository, as `metatrain launch` loads it. */
export function exampleConfig(): RunConfig {
  const file = join(repoRoot(), 'examples', 'k8s-run.yaml');
  return runConfigOfText(file, readFileSync(file, 'utf8'));
}

/** The example config with fields replaced (shallow per top-level section). */
export function exampleWith(patch: Record<string, unknown>): RunConfig {
  return parseRunConfig({ ...structuredClone(exampleConfig()), ...patch });
}

/** A stub and a cluster client connected to it. */
export interface Harness {
  readonly stub: ApiServerStub;
  readonly cluster: Cluster;
  readonly kubeconfig: string;
  /** Another client of the same stub (other flags). */
  connect(options?: Omit<ClusterOptions, 'kubeconfig'>): Cluster;
  stop(): Promise<void>;
}

/** Starts a stub and connects to it through a kubeconfig file. */
export async function startHarness(options: StubOptions = {}, cluster: Omit<ClusterOptions, 'kubeconfig'> = {}): Promise<Harness> {
  const stub = await startApiServerStub(options);
  const kubeconfig = stub.writeKubeconfig();
  return {
    stub,
    kubeconfig,
    cluster: connectCluster({ kubeconfig, ...cluster }),
    connect: (o = {}) => connectCluster({ kubeconfig, ...o }),
    stop: () => stub.stop(),
  };
}
