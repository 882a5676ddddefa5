/** `metatrain scale RUN --workers N`: sets the worker replicas of a run (scale subresource). */
import { InvalidArgumentError, type Command } from 'commander';
import { connectCluster, scaleWorkers } from '../k8s';
import { clusterOptions, withClusterOptions } from './cluster-options';

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
      .argument('<run>', 'run name')
      .requiredOption('--workers <n>', 'worker replicas', workerCount),
  ).action(async (run: string, o: { workers: number; kubeconfig?: string; context?: string; namespace?: string }) => {
    const r = await scaleWorkers(connectCluster(clusterOptions(o)), run, o.workers);
    process.stdout.write(`scaled the workers of ${r.run} (deployment ${r.deployment}, namespace ${r.namespace}) from ${r.previous} to ${r.desired}\n`);
  });
}
