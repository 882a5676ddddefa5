/**
 * Runtime benchmark: what the orchestration costs, all measured in one run.
 *
 * 1. Tasks/s of the sinusoid workload (second-order MAML, meta-batch 25, 5-shot, one inner step, MLP 1-40-40-1,
 *    tfjs backend `--backend`, default `cpu`) in ONE process — a loop calling the worker engine's `train`
 *    (createTfjsEngine) with the coordinator's float64 task-order mean and Adam, so it does the same work — vs
 *    through the local cluster (coordinator in this process, worker processes over loopback gRPC) with 1 and 2
 *    workers. The same loop on the other backend (`wasm` by default) is a reference row, so the backend choice
 *    is measured rather than assumed. Each run does `--warmup` steps and then `--steps` timed meta-steps; the timed span goes
 *    from the end of the last warm-up step to the end of the last step (cluster: the coordinator's `step`
 *    events), so process start, backend initialisation and joining are excluded, and so are the final
 *    validation and evaluation, which come after the last step.
 * 2. Parameter broadcast over loopback gRPC: a `CoordinatorServer` publishes a ParamSet of `--broadcast-mib` MiB
 *    float32 (4 tensors) through `ParamVersions`; a client configured as a worker's fetches it with the real
 *    `GetParameters` streaming call, (a) through the worker's `ParamCache` (reassembly, shape and finiteness checks)
 *    and (b) counting the received chunks only (the transport alone). Beside it: raw TCP (node:net) on loopback
 *    sending the same bytes in writes of the same size, server and client in this process as for gRPC.
 *    Production chunks are 1 MiB (MAX_CHUNK_BYTES); the 64 KiB rows give ParamVersions a finer `chunkBytes` (the
 *    server streams whatever chunks its store holds). Each `--allocator` runs in child processes of its own, since
 *    glibc reads its settings at process start: `default` (glibc's defaults) and `tuned` (GLIBC_TUNABLES as the
 *    images and local workers set it, src/core/malloc-tunables.ts), alternating over `--broadcast-rounds` rounds.
 *
 * Every measurement is repeated (`--repeats`, `--broadcast-repeats`), interleaved so that drifting machine load hits
 * all rows alike; tables show the median and min–max. Broadcast rows also show MB per CPU-second of this process
 * (user + system; both ends live here), which other load on a shared machine does not change. MB = 10^6 bytes.
 *
 * Needs `npm run build` first (worker processes run bin/metatrain.js → dist/).
 * Run: npx tsx bench/runtime.ts [--backend cpu|wasm] [--steps 200] [--warmup 5] [--repeats 3] [--broadcast-mib 64]
 *        [--broadcast-repeats 15] [--broadcast-rounds 2] [--allocator default,tuned] [--broadcast-only]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Command } from 'commander';
import { parseRunConfig, type RunConfig } from '../src/core/config';
import { createLogger } from '../src/core/logger';
import { paramSet, specOf, type ParamSet } from '../src/core/param-set';
import { deriveSeed, Rng } from '../src/core/rng';
import { chunkParamSet, MAX_CHUNK_BYTES, type TensorChunkData } from '../src/core/tensor-chunks';
import { meanGradient } from '../src/coordinator/aggregate';
import { CoordinatorServer } from '../src/coordinator/grpc-server';
import { ParamVersions } from '../src/coordinator/param-versions';
import { TaskDispatcher } from '../src/coordinator/task-dispatcher';
import { LocalCluster } from '../src/local/local-cluster';
import { Adam } from '../src/meta/adam';
import type { BackendName } from '../src/model/backend';
import { initMetaParams } from '../src/meta/meta-params';
import { taskFamilyFor } from '../src/tasks/task-family';
import { ParamCache } from '../src/worker/param-cache';
import { createTfjsEngine } from '../src/worker/tfjs-engine';
import { channelCredentials, tokenMetadata } from '../src/wire/credentials';
import { FLOW_CONTROL_WINDOW_BYTES, MAX_MESSAGE_BYTES, metatrainProto, type CoordinatorClient } from '../src/wire/proto';
import { positiveInt } from '../src/cli/options';
import { MALLOC_TUNABLES } from '../src/core/malloc-tunables';

const META_BATCH = 25;
const SMALL_CHUNK_BYTES = 64 << 10;
const TOKEN = 'bench-runtime-token';

const options = new Command()
  .option('--backend <name>', 'tfjs backend of the baseline and the workers: cpu or wasm (the other one is the reference row)', 'cpu')
  .option('--steps <n>', 'timed meta-steps per run (in-process and each cluster run)', positiveInt, 200)
  .option('--warmup <n>', 'meta-steps before timing starts', positiveInt, 5)
  .option('--repeats <n>', 'runs of each training configuration', positiveInt, 3)
  .option('--broadcast-mib <n>', 'size of the broadcast ParamSet in MiB (float32, 4 tensors)', positiveInt, 64)
  .option('--broadcast-repeats <n>', 'transfers per broadcast row', positiveInt, 15)
  .option('--broadcast-rounds <n>', 'child processes per allocator, alternating; the transfers of a row are split among them', positiveInt, 2)
  .option('--allocator <list>', 'malloc settings of the broadcast processes: default (glibc defaults) and/or tuned (src/core/malloc-tunables.ts)', 'default,tuned')
  .option('--broadcast-only', 'measure the parameter broadcast (table 2) only', false)
  .option('--broadcast-child <repeats>', '(internal) measure the broadcast rows in this process and print them as JSON', positiveInt)
  .parse()
  .opts<{ backend: string; steps: number; warmup: number; repeats: number; broadcastMib: number; broadcastRepeats: number; broadcastRounds: number; allocator: string; broadcastOnly: boolean; broadcastChild?: number }>();

if (options.backend !== 'cpu' && options.backend !== 'wasm') throw new Error(`--backend must be cpu or wasm, got ${JSON.stringify(options.backend)}`);
const backend: BackendName = options.backend;
const otherBackend: BackendName = backend === 'cpu' ? 'wasm' : 'cpu';
const { steps, warmup, repeats, broadcastMib, broadcastRepeats } = options;
/** GLIBC_TUNABLES of the broadcast child processes, by `--allocator` name (undefined: unset). */
const ALLOCATORS: Record<string, string | undefined> = { default: undefined, tuned: MALLOC_TUNABLES };
const allocators = options.allocator.split(',');
for (const a of allocators) if (!(a in ALLOCATORS)) throw new Error(`--allocator: unknown ${JSON.stringify(a)} (expected default and/or tuned)`);

const scratch = mkdtempSync(join(tmpdir(), 'metatrain-bench-runtime-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Median, min and max of a sample. */
interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s.at(-1)! };
}

const fmtSpread = (s: Spread) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;

// ---------------------------------------------------------------------------------------------------------------
// 1. Training throughput

let runs = 0;

/** The sinusoid run of part 1: second-order MAML, 5-shot, meta-batch 25, one inner step, workers on `--backend`. */
function trainingConfig(): RunConfig {
  return parseRunConfig({
    name: 'bench-runtime',
    seed: 11,
    task: { family: 'sinusoid', shots: 5, queryShots: 5 },
    model: { kind: 'sinusoid-mlp', hidden: [40, 40] },
    algorithm: { name: 'maml', adapt: 'all', innerSteps: 1, innerLr: 0.01, outerLr: 1e-3, metaBatchSize: META_BATCH },
    // Validation, checkpoint and evaluation only after the last step: none of them falls inside the timed span.
    training: { maxSteps: warmup + steps, evalEverySteps: warmup + steps, evalTasks: 1, checkpointEverySteps: warmup + steps, patience: 100 },
    evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] },
    runtime: { backend, outDir: join(scratch, `run-${++runs}`), leaseTimeoutMs: 120_000, maxAttempts: 3 },
    compression: { enabled: false },
  });
}

/**
 * Tasks/s of the coordinator's loop in this process: per step, the meta-batch's task specs (seeded as the
 * coordinator seeds them), the engine's `train` per task, the float64 task-order mean and the Adam step.
 */
async function inProcessTasksPerSecond(engineBackend: BackendName): Promise<number> {
  const config = trainingConfig();
  const engine = await createTfjsEngine(config, engineBackend);
  const family = taskFamilyFor(config);
  let params = initMetaParams(config, family.outputs, deriveSeed(config.seed, 'init'));
  const adam = new Adam(specOf(params), { lr: config.algorithm.outerLr });
  let timedFrom = 0;
  for (let step = 1; step <= warmup + steps; step++) {
    if (step === warmup + 1) timedFrom = performance.now();
    const gradients = Array.from({ length: META_BATCH }, (_, i) => engine.train(params, family.sampleSpec('train', deriveSeed(config.seed, 'train', step, i))).gradient);
    params = adam.step(params, meanGradient(gradients));
  }
  return (steps * META_BATCH) / ((performance.now() - timedFrom) / 1000);
}

/** Tasks/s through a local cluster of `workers` worker processes, timed from the coordinator's step events. */
async function clusterTasksPerSecond(workers: number): Promise<number> {
  const cluster = new LocalCluster({ config: trainingConfig(), workers });
  const stepEnds: number[] = [];
  cluster.coordinator.events.on('step', () => stepEnds.push(performance.now()));
  try {
    await cluster.start();
    const deadline = Date.now() + 60_000;
    while (cluster.coordinator.dispatcher.workerCount < workers) {
      if (Date.now() > deadline) throw new Error(`only ${cluster.coordinator.dispatcher.workerCount} of ${workers} workers joined within 60 s; see ${cluster.logDir}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await cluster.close();
    throw err;
  }
  await cluster.run();
  if (stepEnds.length !== warmup + steps) throw new Error(`expected ${warmup + steps} step events, got ${stepEnds.length}`);
  return (steps * META_BATCH) / ((stepEnds.at(-1)! - stepEnds[warmup - 1]!) / 1000);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Parameter broadcast

/** `mib` MiB of finite float32 values in 4 tensors of shape [1024, 64·mib]. */
function broadcastParams(mib: number): ParamSet {
  const rng = new Rng(7);
  const perTensor = (mib << 20) / 4 / 4;
  const rows = 1024;
  return paramSet(
    Array.from({ length: 4 }, (_, t) => {
      const data = new Float32Array(perTensor);
      for (let i = 0; i < data.length; i++) data[i] = rng.next() - 0.5;
      return [`layer${t}/weight`, { shape: [rows, perTensor / rows], data }] as const;
    }),
  );
}

/** A coordinator gRPC server holding one published version (`bench/params`). */
async function broadcastServer(versions: ParamVersions, params: ParamSet): Promise<{ server: CoordinatorServer; port: number }> {
  versions.publish('bench/params', params);
  const server = new CoordinatorServer({
    token: TOKEN,
    keepaliveMs: 5000,
    runName: 'bench-runtime',
    configJson: '{}',
    dispatcher: new TaskDispatcher({ leaseTimeoutMs: 60_000, maxAttempts: 3 }),
    versions,
    validateResult: () => undefined,
    status: () => ({ run: 'bench-runtime' }),
    log: createLogger('coordinator', join(scratch, 'broadcast-server.log')),
  });
  return { server, port: await server.listen('127.0.0.1:0') };
}

/** A Coordinator client with a worker's channel options (src/worker/worker.ts). */
function workerClient(port: number): CoordinatorClient {
  const Client = metatrainProto().Coordinator;
  return new Client(`127.0.0.1:${port}`, channelCredentials(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
    'grpc.keepalive_time_ms': 5000,
    'grpc.keepalive_timeout_ms': 5000,
    'grpc.keepalive_permit_without_calls': 1,
  }) as unknown as CoordinatorClient;
}

/** Seconds to fetch `bench/params` the way a worker does: ParamCache (reassembly, finiteness and spec checks). */
async function fetchViaParamCache(client: CoordinatorClient, params: ParamSet): Promise<number> {
  const cache = new ParamCache(client, tokenMetadata(TOKEN));
  const started = performance.now();
  await cache.get('bench/params', specOf(params));
  return (performance.now() - started) / 1000;
}

/** Seconds to stream `bench/params` with GetParameters, only counting the chunks' bytes (the transport alone). */
function fetchCountingOnly(client: CoordinatorClient, expectedBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bytes = 0;
    const call = client.GetParameters({ version: 'bench/params' }, tokenMetadata(TOKEN), { deadline: Date.now() + 60_000 });
    call.on('data', (chunk: { data: Buffer }) => (bytes += chunk.data.byteLength));
    call.on('error', reject);
    call.on('end', () => (bytes === expectedBytes ? resolve((performance.now() - started) / 1000) : reject(new Error(`received ${bytes} of ${expectedBytes} bytes`))));
  });
}

/** A node:net server that sends `chunks`' data, one write per chunk, to every connection (respecting backpressure). */
async function tcpServer(chunks: readonly TensorChunkData[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((socket) => {
    let i = 0;
    const pump = () => {
      while (i < chunks.length) {
        const c = chunks[i++]!;
        if (!socket.write(c.data)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Seconds from connecting to the raw TCP server until all `expectedBytes` arrived and it closed the stream. */
function fetchTcp(port: number, expectedBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bytes = 0;
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (d: Buffer) => (bytes += d.byteLength));
    socket.on('error', reject);
    socket.on('end', () => (bytes === expectedBytes ? resolve((performance.now() - started) / 1000) : reject(new Error(`received ${bytes} of ${expectedBytes} bytes`))));
  });
}

/** One row of the broadcast table: a way of moving the payload, timed per transfer. */
interface Transfer {
  label: string;
  chunkBytes: number;
  /** Seconds of one transfer of the whole payload. */
  once(): Promise<number>;
}

/** What a broadcast child measured per row: seconds and CPU seconds of each transfer. */
interface MeasuredRow {
  label: string;
  chunkBytes: number;
  seconds: number[];
  cpuSeconds: number[];
}

/** The broadcast rows, each measured `transfers` times (interleaved, after one warm-up) in this process. */
async function measureBroadcast(transfersPerRow: number): Promise<MeasuredRow[]> {
  const params = broadcastParams(broadcastMib);
  const bytes = broadcastMib << 20;
  const fine = await broadcastServer(new ParamVersions(2, SMALL_CHUNK_BYTES), params);
  const production = await broadcastServer(new ParamVersions(), params);
  const tcpLarge = await tcpServer(chunkParamSet(params, MAX_CHUNK_BYTES));
  const tcpSmall = await tcpServer(chunkParamSet(params, SMALL_CHUNK_BYTES));
  const productionClient = workerClient(production.port);
  const fineClient = workerClient(fine.port);
  const transfers: Transfer[] = [
    { label: 'raw TCP (node:net), same bytes', chunkBytes: MAX_CHUNK_BYTES, once: () => fetchTcp(tcpLarge.port, bytes) },
    { label: 'gRPC GetParameters, chunks counted only', chunkBytes: MAX_CHUNK_BYTES, once: () => fetchCountingOnly(productionClient, bytes) },
    { label: 'gRPC GetParameters → worker ParamCache', chunkBytes: MAX_CHUNK_BYTES, once: () => fetchViaParamCache(productionClient, params) },
    { label: 'raw TCP (node:net), same bytes', chunkBytes: SMALL_CHUNK_BYTES, once: () => fetchTcp(tcpSmall.port, bytes) },
    { label: 'gRPC GetParameters, chunks counted only', chunkBytes: SMALL_CHUNK_BYTES, once: () => fetchCountingOnly(fineClient, bytes) },
    { label: 'gRPC GetParameters → worker ParamCache', chunkBytes: SMALL_CHUNK_BYTES, once: () => fetchViaParamCache(fineClient, params) },
  ];
  const rows: MeasuredRow[] = transfers.map((t) => ({ label: t.label, chunkBytes: t.chunkBytes, seconds: [], cpuSeconds: [] }));
  try {
    for (const t of transfers) await t.once(); // warm-up: connections, JIT
    for (let r = 0; r < transfersPerRow; r++) {
      for (const [i, t] of transfers.entries()) {
        const cpuBefore = process.cpuUsage();
        rows[i]!.seconds.push(await t.once());
        const cpu = process.cpuUsage(cpuBefore);
        rows[i]!.cpuSeconds.push((cpu.user + cpu.system) / 1e6);
      }
    }
  } finally {
    productionClient.close();
    fineClient.close();
    await Promise.all([production.server.stop(), fine.server.stop(), tcpLarge.close(), tcpSmall.close()]);
  }
  return rows;
}

/** Runs part 2 in child processes, `--broadcast-rounds` per allocator, alternating; returns the printed table. */
function broadcastTable(): string {
  const bytes = broadcastMib << 20;
  const perChild = Math.ceil(broadcastRepeats / options.broadcastRounds);
  const measured = new Map<string, MeasuredRow[]>();
  for (let round = 0; round < options.broadcastRounds; round++) {
    for (const allocator of allocators) {
      const { GLIBC_TUNABLES: _unset, ...env } = process.env;
      const tunables = ALLOCATORS[allocator];
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--broadcast-child', String(perChild), '--broadcast-mib', String(broadcastMib)], {
        env: tunables === undefined ? env : { ...env, GLIBC_TUNABLES: tunables },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
      });
      if (child.status !== 0) throw new Error(`broadcast child (${allocator}) exited with ${child.status ?? child.signal}`);
      const rows = JSON.parse(child.stdout) as MeasuredRow[];
      const sofar = measured.get(allocator);
      if (!sofar) measured.set(allocator, rows);
      else rows.forEach((row, i) => (sofar[i]!.seconds.push(...row.seconds), sofar[i]!.cpuSeconds.push(...row.cpuSeconds)));
      rows.forEach((row) => log(`broadcast (${allocator}, round ${round + 1}): ${row.label}, ${row.chunkBytes >> 10} KiB: ${row.seconds.map((x) => (bytes / 1e6 / x).toFixed(0)).join(' ')} MB/s`));
    }
  }
  const table = new Table({
    head: ['allocator', 'transfer', 'chunk', 'MB/s median (min–max)', '÷ TCP', 'MB per CPU-s, median', '÷ TCP'],
    style: { head: [], border: [] },
  });
  for (const [allocator, rows] of measured) {
    const mbps = rows.map((r) => spread(r.seconds.map((x) => bytes / 1e6 / x)));
    const mbPerCpuSecond = rows.map((r) => spread(r.cpuSeconds.map((x) => bytes / 1e6 / x)));
    rows.forEach((row, i) => {
      const tcp = rows.findIndex((u) => u.chunkBytes === row.chunkBytes && u.label.startsWith('raw TCP'));
      table.push([allocator, row.label, `${row.chunkBytes >> 10} KiB`, fmtSpread(mbps[i]!), (mbps[i]!.median / mbps[tcp]!.median).toFixed(2), mbPerCpuSecond[i]!.median.toFixed(0), (mbPerCpuSecond[i]!.median / mbPerCpuSecond[tcp]!.median).toFixed(2)]);
    });
  }
  return table.toString();
}

// ---------------------------------------------------------------------------------------------------------------

/** Prints table 2 with its legend. */
function printBroadcast(broadcast: string): void {
  console.log(`\n2. Parameter broadcast on loopback: ${broadcastMib} MiB float32 in 4 tensors, ${broadcastRepeats} transfers per row (after one warm-up per process), server`);
  console.log(`   and client in one process for gRPC and TCP alike, ${options.broadcastRounds} processes per allocator, alternating. 1 MiB = the production chunk size; 64 KiB via`);
  console.log('   the chunkBytes option of ParamVersions. Allocator: default = glibc defaults, tuned = GLIBC_TUNABLES of src/core/malloc-tunables.ts.');
  console.log('   ÷ TCP: ratio of medians to raw TCP with the same chunk/write size, same allocator. CPU-s: user + system CPU of the process (both ends),');
  console.log('   which other load on the machine does not change; wall-clock MB/s it does.');
  console.log(broadcast);
}

async function main(): Promise<void> {
  if (options.broadcastChild !== undefined) {
    process.stdout.write(JSON.stringify(await measureBroadcast(options.broadcastChild)));
    return;
  }
  const started = performance.now();
  const loadAtStart = loadavg();
  log(`broadcast: ${broadcastMib} MiB, ${broadcastRepeats} transfers per row, allocators ${allocators.join(', ')}`);
  const broadcast = broadcastTable();
  if (options.broadcastOnly) {
    printBroadcast(broadcast);
    return;
  }

  const labels = [`in one process, ${backend} (baseline)`, `in one process, ${otherBackend} (backend reference)`, `local cluster, 1 worker (${backend})`, `local cluster, 2 workers (${backend})`];
  const measure = [() => inProcessTasksPerSecond(backend), () => inProcessTasksPerSecond(otherBackend), () => clusterTasksPerSecond(1), () => clusterTasksPerSecond(2)];
  const tasksPerSecond = labels.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    for (const [i, m] of measure.entries()) {
      tasksPerSecond[i]!.push(await m());
      log(`training repeat ${r + 1}/${repeats}: ${labels[i]}: ${tasksPerSecond[i]!.at(-1)!.toFixed(0)} tasks/s (${((performance.now() - started) / 1000).toFixed(0)} s elapsed)`);
    }
  }
  const rates = tasksPerSecond.map((t) => spread(t));
  const baseline = rates[0]!.median;
  const training = new Table({ head: ['sinusoid, 2nd-order MAML, tfjs', 'tasks/s median (min–max)', '÷ in one process', 'wall ms per task'], style: { head: [], border: [] } });
  labels.forEach((label, i) => training.push([label, fmtSpread(rates[i]!), (rates[i]!.median / baseline).toFixed(2), (1000 / rates[i]!.median).toFixed(2)]));

  console.log(`\n1. Training throughput: ${steps} timed meta-steps (after ${warmup} warm-up steps) × meta-batch ${META_BATCH}, 5-shot, 1 inner step, MLP 1-40-40-1;`);
  console.log(`   ${repeats} runs each, interleaved; ratios of medians. ${cpus().length} cores: with 2 workers the coordinator and both workers share them.`);
  console.log(training.toString());
  printBroadcast(broadcast);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`Elapsed ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the start ${load(loadAtStart)}, at the end ${load(loadavg())} (${cpus().length} cores, shared).`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
