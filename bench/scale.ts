/**
 * The coordinator at scale (issue 10), measured with simulated workers: the real in-process coordinator
 * (src/coordinator) and real gRPC workers over loopback whose task execution is a time model and whose
 * meta-gradients are synthetic tensors of the model's real shapes (src/sim; hosted `--hosts` processes of
 * bench/scale-workers.ts). Meta-batch = one task per worker slot (workers × `--concurrency`), so the ideal step
 * time is one task time.
 *
 *   npx tsx bench/scale.ts [--workers 1,8,64,256,512] [--models sinusoid,quickstart,5mb] [--task-ms 100] [--steps 8] [--hosts 4] [--inline 65536,0]
 *     [--concurrency 1] [--aggregation per-task|per-worker] [--stragglers] [--timeline]
 *
 * Per row: meta-steps/s against the ideal (1 / task time), scaling efficiency (ideal / mean step time, steps 2..S;
 * step 1 includes the workers' first parameter fetch), coordinator CPU per task, p50/p99 step overhead (step time
 * − task time), the coordinator's peak RSS, payload bytes per step (gradients in + parameters out, measured by the
 * coordinator's metrics over steps 2..S), and the harness's own CPU over steps 2..S (all host processes, read from
 * /proc, so Linux only): per wall second and per task. The
 * `bound` column is what loopback allows: task time / max(task time, payload per step ÷ the raw TCP loopback rate
 * measured at the start of the run, both ends in this process): a step cannot finish before its payload has
 * crossed loopback once. `--aggregation per-worker` runs groups of `--concurrency` tasks per assignment
 * (`runtime.aggregation`, docs/wire.md "Aggregation"). `--stragglers` adds, per model, a row at the
 * largest worker count with 1% of tasks 10× slower, without and with speculative backups (`runtime.speculativeAfter`
 * 0.9). `gRPC floor`: the server CPU grpc-js itself needs per round trip of the same sizes (a result in, an
 * assignment out, bytes passed through; ./grpc-round-trip.ts, measured once per model and inline setting at the start of
 * the run with 64 connections; per task: ÷ the group size with `--aggregation per-worker`, one round trip per group),
 * and the coordinator's CPU per task as a multiple of it. Note: a step with W tasks has a 1 − 0.99^W chance of holding a straggler (92% at 256). All processes run
 * with the malloc settings of src/core/malloc-tunables.ts unless GLIBC_TUNABLES is set (`GLIBC_TUNABLES=` for glibc's
 * defaults). `--timeline` adds a second table: where each step's overhead goes, from when every task was handed out,
 * received, finished and accepted (./scale-timeline.ts; rows without stragglers, light harness).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect, type AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Command } from 'commander';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../src/core/config';
import { createLogger } from '../src/core/logger';
import { createMetricsRegistry } from '../src/core/metrics';
import { Coordinator } from '../src/coordinator/coordinator';
import type { TimeModel } from '../src/sim/time-model';
import { tableStyle } from '../src/cli/options';
import { withMallocTunables } from '../src/core/malloc-tunables';
import { stepTimeline, type CoordinatorTimes, type StepTimeline } from './scale-timeline';
import { grpcRoundTripCpu } from './grpc-round-trip';
import { architectureOf } from '../src/model/architecture';
import { metaParamSpec } from '../src/meta/meta-params';
import { taskFamilyFor } from '../src/tasks/task-family';
import { sizeOfShape } from '../src/core/param-set';

// The coordinator (this process) and the simulated workers' hosts run with the malloc settings of the images and
// the local cluster's workers (src/core/malloc-tunables.ts). glibc reads them at process start, so this process
// starts itself again with them; `GLIBC_TUNABLES= npx tsx bench/scale.ts …` measures glibc's defaults instead.
if (process.env['GLIBC_TUNABLES'] === undefined) {
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: withMallocTunables(process.env) });
  process.exit(again.status ?? 1);
}

const o = new Command()
  .option('--workers <list>', 'simulated worker counts', '1,8,64,256,512')
  .option('--models <list>', 'sinusoid (MLP 1-40-40-1), quickstart (examples/quickstart.yaml model), 5mb (16,384 × 80 embeddings)', 'sinusoid,quickstart,5mb')
  .option('--task-ms <ms>', 'task time of the fixed time model', '100')
  .option('--steps <n>', 'meta-steps per row', '8')
  .option('--hosts <n>', 'processes hosting the simulated workers', '4')
  .option('--concurrency <n>', 'task slots per simulated worker', '1')
  .option('--aggregation <mode>', 'runtime.aggregation: per-task or per-worker (groups of --concurrency tasks)', 'per-task')
  .option('--stragglers', 'add a row with 1% stragglers 10× slower at the largest worker count', false)
  .option('--harness <kind>', 'simulated workers: light (src/sim/simulated-session.ts) or worker (the real worker with the simulated engine)', 'light')
  .option('--inline <list>', 'runtime.inlineParametersMaxBytes values, one row each (0 = every version by GetParameters)', '65536')
  .option('--timeline', 'also print where each step\'s overhead goes (rows without stragglers; light harness)', false)
  .parse()
  .opts<{ workers: string; models: string; taskMs: string; steps: string; hosts: string; concurrency: string; aggregation: 'per-task' | 'per-worker'; stragglers: boolean; inline: string; harness: string; timeline: boolean }>();
if (o.timeline && o.harness !== 'light') throw new Error('--timeline needs --harness light');
const concurrency = Number(o.concurrency);

const MODELS: Record<string, Pick<RunConfigInput, 'task' | 'model'>> = {
  sinusoid: { task: { family: 'sinusoid', shots: 5, queryShots: 10 }, model: { kind: 'sinusoid-mlp', hidden: [40, 40] } },
  quickstart: { task: { family: 'sotu', ways: 5, shots: 5, queryShots: 5 }, model: { kind: 'transformer', layers: 0, tokenizer: 'hashed-words', hashBuckets: 4096, dModel: 64, heads: 2, dFf: 64, maxLength: 96 } },
  '5mb': { task: { family: 'sotu', ways: 5, shots: 5, queryShots: 5 }, model: { kind: 'transformer', layers: 0, tokenizer: 'hashed-words', hashBuckets: 16384, dModel: 80, heads: 2, dFf: 80, maxLength: 96 } },
};

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

interface Row {
  model: string;
  workers: number;
  time: TimeModel;
  /** `runtime.speculativeAfter`, when backups are on. */
  speculativeAfter?: number;
  /** `runtime.inlineParametersMaxBytes`. */
  inlineMaxBytes: number;
}

async function measure(row: Row) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const steps = Number(o.steps);
  const config = parseRunConfig({
    name: 'bench-scale',
    ...MODELS[row.model]!,
    algorithm: { name: 'fomaml', metaBatchSize: row.workers * concurrency },
    training: { maxSteps: steps, evalEverySteps: 1_000_000, evalTasks: 1, checkpointEverySteps: 1_000_000, keepCheckpoints: 1, patience: 1000 },
    evaluation: { testTasks: 1, adaptSteps: 0, baselines: [] },
    runtime: { outDir: dir, leaseTimeoutMs: 600_000, workerConcurrency: concurrency, aggregation: o.aggregation, ...(o.aggregation === 'per-worker' ? { aggregationGroup: concurrency } : {}), inlineParametersMaxBytes: row.inlineMaxBytes, ...(row.speculativeAfter ? { speculativeAfter: row.speculativeAfter } : {}) },
    compression: { enabled: false },
  } satisfies RunConfigInput);
  const floor = await grpcFloor(row, config);
  const log = createLogger('coordinator');
  log.level = 'warn';
  const token = 'bench-scale-token';
  const registry = createMetricsRegistry({ run: 'bench' });
  const coordinator = new Coordinator({ config, token, resume: false, log, registry });
  const payloadBytes = async () => {
    const text = await registry.metrics();
    // Summed over label values (the parameter bytes are labelled by route: stream or inline).
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
    return series('metatrain_param_broadcast_bytes_total') + series('metatrain_gradient_bytes_received_total');
  };
  const port = await coordinator.start('127.0.0.1:0');
  const timeline = o.timeline && row.time.stragglerFraction === 0;
  const times: CoordinatorTimes = { dispatched: new Map(), completed: new Map() };
  if (timeline) {
    const unixMs = () => performance.timeOrigin + performance.now();
    coordinator.dispatcher.on('dispatched', (item: { key: string }) => times.dispatched.has(item.key) || times.dispatched.set(item.key, unixMs()));
    coordinator.dispatcher.on('completed', (item: { key: string }) => times.completed.set(item.key, unixMs()));
  }
  const timelineFile = (h: number) => join(dir, `timeline-${h}.tsv`);
  const hosts = Math.min(Number(o.hosts), row.workers);
  const children = Array.from({ length: hosts }, (_, h) => {
    const count = Math.floor(row.workers / hosts) + (h < row.workers % hosts ? 1 : 0);
    const child = spawn(process.execPath, [...process.execArgv, join(__dirname, 'scale-workers.ts'), '--coordinator', `127.0.0.1:${port}`, '--token', token, '--count', String(count), '--concurrency', String(concurrency), '--time-model', JSON.stringify(row.time), '--name', `h${h}`, '--harness', o.harness, ...(timeline ? ['--timeline', timelineFile(h)] : [])], { stdio: ['pipe', 'inherit', 'inherit'] });
    return { child };
  });
  await new Promise<void>((resolve) => {
    const check = (n: number) => n >= row.workers && resolve();
    coordinator.events.on('workers', check);
  });
  const harnessCpuNow = () => children.reduce((a, { child }) => a + processCpuSeconds(child.pid!), 0);
  const durations: number[] = [];
  let peakRss = 0;
  let harnessCpuAtStep1 = 0;
  let harnessCpuAtEnd = 0;
  let bytesAtStep1 = 0;
  let bytesAtEnd = 0;
  let cpuAtStep1 = process.cpuUsage();
  let wallAtStep1 = performance.now();
  coordinator.events.on('step', (e) => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    if (e.step === 1) {
      void payloadBytes().then((b) => (bytesAtStep1 = b));
      cpuAtStep1 = process.cpuUsage();
      harnessCpuAtStep1 = harnessCpuNow();
      wallAtStep1 = performance.now();
    } else durations.push(e.durationSeconds);
  });
  let cpuAtEnd = process.cpuUsage();
  let wallAtEnd = performance.now();
  coordinator.events.on('step', (e) => {
    if (e.step === steps) {
      void payloadBytes().then((b) => (bytesAtEnd = b));
      cpuAtEnd = process.cpuUsage(cpuAtStep1);
      harnessCpuAtEnd = harnessCpuNow();
      wallAtEnd = performance.now();
    }
  });
  await coordinator.run();
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await coordinator.close();
  const steps2on: StepTimeline | undefined = timeline
    ? stepTimeline(times, children.flatMap((_, h) => readFileSync(timelineFile(h), 'utf8').split('\n').filter(Boolean)), row.time.ms, 2)
    : undefined;
  rmSync(dir, { recursive: true, force: true });
  const taskSeconds = row.time.ms / 1000;
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  const tasks = row.workers * concurrency * durations.length;
  const bytesPerStep = (bytesAtEnd - bytesAtStep1) / durations.length;
  const coordinatorCpu = (cpuAtEnd.user + cpuAtEnd.system) / 1e6;
  const harnessCpu = harnessCpuAtEnd - harnessCpuAtStep1;
  const measuredWall = (wallAtEnd - wallAtStep1) / 1000;
  return {
    stepsPerSecond: 1 / mean,
    ideal: 1 / taskSeconds,
    efficiency: taskSeconds / mean,
    cpuPerTaskMs: (1000 * coordinatorCpu) / tasks,
    p50: quantile(durations, 0.5) - taskSeconds,
    p99: quantile(durations, 0.99) - taskSeconds,
    rssMiB: peakRss / 2 ** 20,
    bytesPerStep,
    bound: taskSeconds / Math.max(taskSeconds, bytesPerStep / loopbackBytesPerSecond),
    coordinatorCpuShare: coordinatorCpu / measuredWall,
    harnessCpuPerTaskMs: (1000 * harnessCpu) / tasks,
    harnessCpuShare: harnessCpu / measuredWall,
    timeline: steps2on,
    // Per-worker aggregation: one round trip per group of `concurrency` tasks.
    floorMs: floor / 1000 / (o.aggregation === 'per-worker' ? concurrency : 1),
  };
}

/** Bytes of an assignment without parameters (its ids, task spec and deadline), about. */
const ASSIGNMENT_BYTES = 300;
const floors = new Map<string, number>();

/**
 * The gRPC floor of `row` (see the file comment), in µs of server CPU per round trip: a result of the model's
 * meta-gradient in, an assignment out (with the parameters when they are inlined). Measured once per model and
 * inline setting, before the row's coordinator starts.
 */
async function grpcFloor(row: Row, config: RunConfig): Promise<number> {
  const key = `${row.model}/${row.inlineMaxBytes}`;
  const known = floors.get(key);
  if (known !== undefined) return known;
  const spec = metaParamSpec(architectureOf(config.model, taskFamilyFor(config).outputs), config.algorithm);
  const gradientBytes = 4 * [...spec.values()].reduce((a, shape) => a + sizeOfShape(shape), 0);
  const replyBytes = ASSIGNMENT_BYTES + (gradientBytes <= row.inlineMaxBytes ? gradientBytes : 0);
  // About 400 MB of requests (≥ 400 round trips, ≤ 20,000): a second or a few.
  const roundTrips = Math.min(20_000, Math.max(400, Math.floor(4e8 / gradientBytes)));
  const us = await grpcRoundTripCpu({ connections: 64, roundTrips, requestBytes: gradientBytes, replyBytes });
  floors.set(key, us);
  return us;
}

let loopbackBytesPerSecond = Infinity;

/** CPU seconds (user + system) process `pid` has used so far, from /proc/PID/stat (Linux; clock ticks of 1/100 s). */
function processCpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the
  // 14th field of the line, stime the 15th (proc(5)).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Bytes per second of one raw TCP transfer of `bytes` over loopback (node:net, 1 MiB writes, both ends here); the best of 3. */
async function loopbackRate(bytes: number): Promise<number> {
  const block = Buffer.alloc(1 << 20, 1);
  const server = createServer((socket) => {
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += block.length;
        if (!socket.write(block)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.on('data', () => undefined);
      socket.on('error', reject);
      socket.on('end', () => resolve());
    });
    best = Math.max(best, bytes / ((performance.now() - started) / 1000));
  }
  await new Promise((resolve) => server.close(resolve));
  return best;
}

async function main(): Promise<void> {
  const table = new Table({
    style: tableStyle(),
    head: ['model', 'workers', 'time model', 'inline ≤', 'meta-steps/s', 'ideal', 'efficiency', 'bound', 'coord. CPU/task', 'gRPC floor, ratio', 'p50 / p99 overhead', 'coord. RSS', 'payload/step', 'coord. CPU', 'harness CPU', 'harness CPU/task'],
  });
  const timelineTable = new Table({
    style: tableStyle(),
    head: ['model', 'workers', 'inline ≤', 'steps', 'dispatch (first → last)', 'delivery p50 / max', 'worker beyond task time p50 / max', 'acceptance p50 / max', 'overhead'],
  });
  loopbackBytesPerSecond = await loopbackRate(64 << 20);
  const counts = o.workers.split(',').map(Number);
  const taskMs = Number(o.taskMs);
  const inline = o.inline.split(',').map(Number);
  for (const model of o.models.split(',')) {
    const rows: Row[] = counts.flatMap((workers) => inline.map((inlineMaxBytes) => ({ model, workers, inlineMaxBytes, time: { kind: 'fixed', ms: taskMs, sigma: 0, stragglerFraction: 0, stragglerFactor: 10 } }) satisfies Row));
    if (o.stragglers) {
      const time: TimeModel = { kind: 'fixed', ms: taskMs, sigma: 0, stragglerFraction: 0.01, stragglerFactor: 10 };
      rows.push({ model, workers: Math.max(...counts), time, inlineMaxBytes: inline[0]! }, { model, workers: Math.max(...counts), time, inlineMaxBytes: inline[0]!, speculativeAfter: 0.9 });
    }
    for (const row of rows) {
      const r = await measure(row);
      const time = `${taskMs} ms${row.time.stragglerFraction > 0 ? `, 1% × ${row.time.stragglerFactor}` : ''}${row.speculativeAfter ? `, backups after ${100 * row.speculativeAfter}%` : ''}`;
      table.push([model, row.workers, time, row.inlineMaxBytes === 0 ? 'off' : `${row.inlineMaxBytes / 1024} KiB`, r.stepsPerSecond.toFixed(2), r.ideal.toFixed(2), `${(100 * r.efficiency).toFixed(1)}%`, `${(100 * r.bound).toFixed(0)}%`, `${r.cpuPerTaskMs.toFixed(2)} ms`, `${r.floorMs.toFixed(3)} ms, ${(r.cpuPerTaskMs / r.floorMs).toFixed(1)}×`, `${(1000 * r.p50).toFixed(0)} / ${(1000 * r.p99).toFixed(0)} ms`, `${r.rssMiB.toFixed(0)} MiB`, `${(r.bytesPerStep / 1e6).toFixed(1)} MB`, `${(100 * r.coordinatorCpuShare).toFixed(0)}%`, `${(100 * r.harnessCpuShare).toFixed(0)}%`, `${r.harnessCpuPerTaskMs.toFixed(2)} ms`]);
      const t = r.timeline;
      const ms = (x: number) => `${x.toFixed(1)} ms`;
      if (t) timelineTable.push([model, row.workers, row.inlineMaxBytes === 0 ? 'off' : `${row.inlineMaxBytes / 1024} KiB`, t.steps, ms(t.dispatch), ...[t.delivery, t.lateness, t.acceptance].map((s) => `${s.p50.toFixed(1)} / ${s.max.toFixed(1)} ms`), ms(t.overhead)]);
      process.stderr.write(`${model} × ${row.workers} (inline ≤ ${row.inlineMaxBytes} B): ${(100 * r.efficiency).toFixed(1)}% efficiency\n`);
    }
  }
  console.log(`Coordinator scaling with simulated workers (fixed ${taskMs} ms tasks, ${concurrency} slot(s) per worker, meta-batch = slots, aggregation ${o.aggregation}, ${o.steps} steps per row; CPU shares are of one core)`);
  console.log(`Raw TCP loopback, measured at the start: ${(loopbackBytesPerSecond / 1e6).toFixed(0)} MB/s; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${cpus().length} cores, shared); malloc: ${process.env['GLIBC_TUNABLES'] ? `GLIBC_TUNABLES=${process.env['GLIBC_TUNABLES']}` : 'glibc defaults'}.`);
  console.log(table.toString());
  if (timelineTable.length > 0) {
    console.log('\nWhere a step\'s overhead goes (means over steps 2..S of per-step values; per task: the coordinator hands out its assignment → the worker');
    console.log('receives it → the worker hands its result to the stream → the coordinator accepts it; one machine\'s clock):');
    console.log(timelineTable.toString());
  }
}

void main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
