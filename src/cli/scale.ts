/** `metatrain scale RUN --workers N`: sets the workers of a run on the cluster backend (Kubernetes: the scale subresource). */
import type { Command } from 'commander';
import { clusterBackendOf, withClusterOptions, type ClusterFlags } from './cluster-options';
import { boundedInt, runName } from './options';
import { MAX_WORKERS } from '../coordinator/runtime-config';

/** `--workers`: 0..{@link MAX_WORKERS} (the bound of `runtime.workers`), in decimal digits only (`1e2`, `0x10`, `5.0` are refused, not read as 100, 16, 5). */
const workerCount = boundedInt(0, MAX_WORKERS);

/** Registers the subcommand. */
export function register(program: Command): void {
  withClusterOptions(
    program
      .command('scale')
      .description('scale the workers of a run on Kubernetes (0 pauses them)')
      .argument('<run>', 'run name (config `name`)', runName)
      .requiredOption('--workers <n>', 'worker replicas', workerCount),
  ).action(async (run: string, o: { workers: number } & ClusterFlags) => {
    const r = await clusterBackendOf(o).scale(run, o.workers);
    process.stdout.write(`scaled the workers of ${r.run} (${r.workerGroup}, namespace ${r.namespace}) from ${r.previous} to ${r.desired}\n`);
  });
}
