/** `metatrain status RUN [--json]`: phase, step, meta-loss, workers, last checkpoint of a run on the cluster backend. */
import Table from 'cli-table3';
import { runName, tableStyle } from './options';
import type { Command } from 'commander';
import type { ClusterRunStatus } from '../cluster/cluster-backend';
import { clusterBackendOf, withClusterOptions, type ClusterFlags } from './cluster-options';

function rows(s: ClusterRunStatus): Array<[string, string]> {
  const w = s.workers;
  const out: Array<[string, string]> = [
    ['run', `${s.run} (namespace ${s.namespace})`],
    ['phase', `${s.phase} (${s.source === 'coordinator' ? 'from the coordinator' : `from pod state; ${s.unreachable}`})`],
  ];
  if (s.step !== undefined) out.push(['step', s.maxSteps !== undefined ? `${s.step} / ${s.maxSteps}` : String(s.step)]);
  if (s.metaLoss !== undefined) out.push(['meta-loss', s.metaLoss.toFixed(4)]);
  out.push(['workers', `${w.ready} ready / ${w.desired} desired (${w.running} running, ${w.pending} pending)`]);
  if (s.waitingReason !== undefined) out.push(['waiting', s.waitingReason]);
  if (s.message !== undefined) out.push(['message', s.message]);
  out.push(['last checkpoint', s.lastCheckpoint ?? 'none yet']);
  return out;
}

/** Registers the subcommand. */
export function register(program: Command): void {
  withClusterOptions(
    program
      .command('status')
      .description('show the status of a run on Kubernetes')
      .argument('<run>', 'run name (config `name`)', runName)
      .option('--json', 'print the status as JSON', false),
  ).action(async (run: string, o: { json: boolean } & ClusterFlags) => {
    const s = await clusterBackendOf(o).status(run);
    if (o.json) {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const table = new Table({ style: tableStyle() });
    for (const [k, v] of rows(s)) table.push({ [k]: v });
    process.stdout.write(`${table.toString()}\n`);
  });
}
