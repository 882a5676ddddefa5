/** `metatrain stop RUN [--delete-data]`: deletes the objects of a run on the cluster backend. */
import type { Command } from 'commander';
import { runName } from './options';
import { clusterBackendOf, withClusterOptions, type ClusterFlags } from './cluster-options';

/** Registers the subcommand. */
export function register(program: Command): void {
  withClusterOptions(
    program
      .command('stop')
      .description('stop a run on Kubernetes: delete its objects (the coordinator checkpoints first); keeps its data unless --delete-data')
      .argument('<run>', 'run name (config `name`)', runName)
      .option('--delete-data', 'also delete the volume with checkpoints and artifacts', false),
  ).action(async (run: string, o: { deleteData: boolean } & ClusterFlags) => {
    const r = await clusterBackendOf(o).stop(run, { deleteData: o.deleteData });
    if (r.deleted.length === 0 && r.kept.length === 0) {
      process.stdout.write(`no objects of run ${r.run} in namespace ${r.namespace}: nothing to stop\n`);
      return;
    }
    for (const d of r.deleted) process.stdout.write(`deleted ${d.kind} ${d.name}\n`);
    for (const k of r.kept) process.stdout.write(`kept ${k.kind} ${k.name} (checkpoints and artifacts); delete it with: metatrain stop ${r.run} --delete-data -n ${r.namespace}\n`);
  });
}
