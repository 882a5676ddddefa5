/** `metatrain launch CONFIG [--dry-run]`: puts a run on the cluster backend (Kubernetes: server-side apply; idempotent). */
import Table from 'cli-table3';
import { tableStyle } from './options';
import type { Command } from 'commander';
import { loadRunConfig } from '../core/config';
import { clusterBackendOf, withClusterOptions, type ClusterFlags } from './cluster-options';

/** Registers the subcommand. */
export function register(program: Command): void {
  withClusterOptions(
    program
      .command('launch')
      .description('launch a run on Kubernetes (server-side apply; running it again changes nothing)')
      .argument('<config>', 'run config (YAML) with its kubernetes section')
      .option('--dry-run', 'print the objects as YAML instead of applying them', false)
      .option('--force-conflicts', 'take over fields another field manager changed (e.g. replicas set by metatrain scale)', false),
  ).action(async (file: string, o: { dryRun: boolean; forceConflicts: boolean } & ClusterFlags) => {
    const config = await loadRunConfig(file);
    const backend = clusterBackendOf(o);
    for (const warning of backend.warnings(config)) process.stderr.write(`warning: ${warning}\n`);
    if (o.dryRun) {
      process.stdout.write(backend.render(config));
      return;
    }
    const result = await backend.launch(config, { forceConflicts: o.forceConflicts });
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    const table = new Table({ head: ['kind', 'name', 'result'], style: tableStyle() });
    for (const r of result.objects) table.push([r.kind, r.name, r.action]);
    process.stdout.write(`run ${result.run} in namespace ${result.namespace} (${result.target})\n${table.toString()}\n`);
    process.stdout.write(`follow it with: metatrain status ${result.run} -n ${result.namespace}\n`);
  });
}
