/**
 * Host process of simulated workers for bench/scale.ts: runs `--count` simulated workers against `--coordinator`
 * until SIGTERM (the benchmark reads this process's CPU time from /proc); exits at once when stdin closes (the
 * benchmark is gone). `--harness light` (default): src/sim/simulated-session.ts, the worker's connection with a
 * session that skips the parameter checks; `worker`: the real worker (src/worker/worker.ts) with the simulated engine.
 * `--timeline FILE` (light harness only): on SIGTERM, writes one line per result sent, `assignment-id TAB received TAB
 * sent` (Unix ms, src/sim/simulated-session.ts `onResultSent`), for bench/scale.ts --timeline.
 *
 *   npx tsx bench/scale-workers.ts --coordinator 127.0.0.1:PORT --token T --count 64 [--concurrency 1] [--harness light|worker] [--timeline FILE] --time-model '{"kind":"fixed","ms":100}'
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { createLogger } from '../src/core/logger';
import { simulatedEngine } from '../src/sim/simulated-engine';
import { timeModelSchema } from '../src/sim/time-model';
import { SimulatedWorker } from '../src/sim/simulated-session';
import { Worker } from '../src/worker/worker';
import { positiveInt } from '../src/cli/options';

const o = new Command()
  .requiredOption('--coordinator <addr>', 'coordinator host:port')
  .requiredOption('--token <token>', 'run token')
  .requiredOption('--count <n>', 'workers in this process', positiveInt)
  .requiredOption('--time-model <json>', 'task time model (src/sim/time-model.ts)')
  .option('--concurrency <n>', 'task slots per worker', positiveInt, 1)
  .option('--name <prefix>', 'worker name prefix', 'sim')
  .option('--harness <kind>', 'light (src/sim/simulated-session.ts) or worker (the real worker with the simulated engine)', 'light')
  .option('--timeline <file>', 'light harness: write when each assignment arrived and its result was sent to FILE on SIGTERM')
  .parse()
  .opts<{ coordinator: string; token: string; count: number; timeModel: string; name: string; concurrency: number; harness: string; timeline?: string }>();
if (o.harness !== 'light' && o.harness !== 'worker') throw new Error(`--harness: expected light or worker, got ${JSON.stringify(o.harness)}`);
if (o.timeline !== undefined && o.harness !== 'light') throw new Error('--timeline needs --harness light');

const time = timeModelSchema.parse(JSON.parse(o.timeModel));
const timeline: string[] = [];
const onResultSent = o.timeline === undefined ? undefined : (id: string, received: number, sent: number) => void timeline.push(`${id}\t${received}\t${sent}`);
const log = createLogger('sim-worker');
log.level = 'warn';
const workers = Array.from(
  { length: o.count },
  (_, i) =>
    o.harness === 'light'
      ? new SimulatedWorker({ address: o.coordinator, token: o.token, name: `${o.name}-${i}`, concurrency: o.concurrency, time, log, onResultSent })
      : new Worker({ address: o.coordinator, token: o.token, name: `${o.name}-${i}`, backend: 'simulated', log, concurrency: o.concurrency, createEngine: async (config) => simulatedEngine(config, time, `${o.name}-${i}`) }),
);
const running = workers.map((w) => w.run().catch((err: Error) => log.error({ err: err.message }, 'simulated worker failed')));
// stdin is a pipe from bench/scale.ts: it closes when the benchmark ends, however it ends (a killed benchmark sends
// no SIGTERM; without this its hosts would keep retrying a coordinator that is gone and load the machine).
process.stdin.on('close', () => process.exit(1));
process.stdin.resume();
process.on('SIGTERM', () => {
  if (o.timeline !== undefined) writeFileSync(o.timeline, timeline.map((l) => `${l}\n`).join(''));
  for (const w of workers) w.stop();
  void Promise.all(running).finally(() => process.exit(0));
});
