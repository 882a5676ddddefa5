import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { packageFile } from '../../src/core/package-root';
import { Coordinator } from '../../src/coordinator/coordinator';
import type { ParamSet } from '../../src/core/param-set';
import { decodeSafetensors } from '../../src/core/safetensors';
import type { RunSummary } from '../../src/summary';
import { finalParamsBytes, sinusoidConfig, startCli, tempDir, waitExit } from '../support/harness';

/**
 * A worker written in Python from the proto and docs/wire.md only (test/wire/python-worker/worker.py: FOMAML and
 * second-order MAML on the sinusoid MLP with NumPy) takes part in a run beside a TypeScript worker.
 */

const MODULES = 'import grpc, grpc_tools, numpy';
const TOKEN = 'python-token';
/** Relative difference allowed between the mixed run's final metrics and the all-TypeScript run's. */
const TOLERANCE = 1e-5;

/** The first of `python3` and `/usr/bin/python3` that has grpcio, grpcio-tools and numpy, or undefined. */
function python(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', MODULES], { stdio: 'ignore' }).status === 0);
}

const PYTHON = python();
const SKIP = PYTHON ? false : `needs python3 with grpcio, grpcio-tools and numpy (Debian: apt-get install python3-grpcio python3-grpc-tools python3-numpy)`;

interface PythonTasks {
  train: number;
  eval: number;
  failed: number;
  /** The phase of the `finished` message the Python worker left on (docs/wire.md), if it did. */
  finished?: string;
}

/** Runs a sinusoid run of `algorithm` with one TypeScript worker and, with `withPython`, the Python worker beside it. */
async function sinusoidRun(algorithm: 'fomaml' | 'maml', withPython: boolean): Promise<{ summary: RunSummary; params: ParamSet; tasks: PythonTasks }> {
  const dir = tempDir();
  const config = parseRunConfig(
    sinusoidConfig(dir, {
      algorithm: { name: algorithm, innerSteps: 2, innerLr: 0.01, outerLr: 0.001, metaBatchSize: 6 },
      training: { maxSteps: 10, evalEverySteps: 5, evalTasks: 6, checkpointEverySteps: 5, patience: 100 },
      evaluation: { testTasks: 8, adaptSteps: 3, baselines: ['random'] },
    }),
  );
  const coordinator = new Coordinator({ config, token: TOKEN, resume: false, log: createLogger('coordinator', join(dir, 'c.log')) });
  const port = await coordinator.start('127.0.0.1:0');
  const tasks: PythonTasks = { train: 0, eval: 0, failed: 0 };
  const joined = (n: number) => new Promise<void>((resolve) => coordinator.events.on('workers', (count) => count >= n && resolve()));
  // The TypeScript worker joins first, so that it is first in line for every step's tasks: the Python worker (a
  // tiny NumPy MLP, no engine to set up) would otherwise take them all before it is ready.
  const ts = startCli(['worker', '--coordinator', `127.0.0.1:${port}`], { METATRAIN_TOKEN: TOKEN });
  await joined(1);
  const py = withPython ? spawn(PYTHON!, [packageFile('test/wire/python-worker/worker.py'), '--coordinator', `127.0.0.1:${port}`], { env: { ...process.env, METATRAIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] }) : undefined;
  let pyErr = '';
  py?.stderr.on('data', (d: Buffer) => (pyErr += d.toString()));
  if (py) {
    createInterface({ input: py.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { kind?: string; ok?: boolean; finished?: string };
      if (e.finished) tasks.finished = e.finished;
      else if (e.ok === false) tasks.failed++;
      else if (e.kind === 'TRAIN') tasks.train++;
      else if (e.kind === 'EVAL') tasks.eval++;
    });
  }
  if (py) await joined(2);
  try {
    const summary = await coordinator.run();
    // Both workers leave on the coordinator's `finished`, before anyone stops them.
    if (py && py.exitCode === null) await Promise.race([new Promise((resolve) => py.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
    assert.equal((await waitExit(ts, 30_000)).code, 0);
    const { params } = decodeSafetensors(finalParamsBytes(join(dir, 'run'), summary.steps), 'final checkpoint');
    return { summary, params, tasks };
  } catch (err) {
    throw new Error(`${(err as Error).message}\npython worker stderr:\n${pyErr}`);
  } finally {
    ts.kill('SIGTERM');
    py?.kill('SIGTERM');
    await waitExit(ts);
    await coordinator.close();
  }
}

let largest = { difference: 0, what: '' };

/** Checks a relative difference against {@link TOLERANCE} and keeps the largest one seen. */
function within(difference: number, what: string): void {
  if (difference > largest.difference) largest = { difference, what };
  assert.ok(difference <= TOLERANCE, `${what}: relative difference ${difference} (tolerance ${TOLERANCE})`);
}

function close(a: number, b: number, what: string): void {
  within(Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

for (const algorithm of ['fomaml', 'maml'] as const) {
  test(`a Python worker written from the proto and docs/wire.md finishes a ${algorithm} sinusoid run beside a TypeScript worker, with the metrics and parameters of an all-TypeScript run`, { skip: SKIP, timeout: 300_000 }, async (t) => {
    largest = { difference: 0, what: '' };
    const mixed = await sinusoidRun(algorithm, true);
    const typescript = await sinusoidRun(algorithm, false);
    // Both workers computed meta-gradients: 10 steps of 6 tasks.
    assert.ok(mixed.tasks.train > 0 && mixed.tasks.train < 60 && mixed.tasks.eval > 0, `the Python worker ran ${JSON.stringify(mixed.tasks)}`);
    assert.equal(mixed.tasks.failed, 0);
    assert.equal(mixed.tasks.finished, 'succeeded');
    assert.equal(mixed.summary.steps, typescript.summary.steps);
    mixed.summary.history.metaLoss.forEach((loss, i) => close(loss, typescript.summary.history.metaLoss[i]!, `meta-loss of step ${i + 1}`));
    mixed.summary.history.valLoss.forEach((loss, i) => close(loss, typescript.summary.history.valLoss[i]!, `meta-val loss ${i}`));
    for (const [r, i] of mixed.summary.results.map((r, i) => [r, i] as const)) {
      const ts = typescript.summary.results[i]!;
      assert.equal(r.name, ts.name);
      r.metric.forEach((m, s) => close(m.mean, ts.metric[s]!.mean, `${r.name} test MSE after ${s} steps`));
    }
    // The final parameters, element by element, relative to the tensor's largest magnitude.
    for (const [name, tensor] of mixed.params) {
      const other = typescript.params.get(name)!.data;
      const scale = Math.max(...other.map(Math.abs));
      within(Math.max(...tensor.data.map((v, j) => Math.abs(v - other[j]!))) / scale, `final ${name}`);
    }
    t.diagnostic(`Python worker tasks ${JSON.stringify(mixed.tasks)}; largest relative difference ${largest.difference.toExponential(2)} (${largest.what})`);
  });
}
