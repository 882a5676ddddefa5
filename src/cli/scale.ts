/** `metatrain scale RUN --workers N`: sets the workers of a run on the cluster backend (Kubernetes: the scale subresource). */
import { InvalidArgumentError, type Command } from 'commander';
import { clusterBackendOf, withClusterOptions, type ClusterFlags } from './cluster-options';
import { runName } from './options';

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

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
