import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { deriveSeed } from '../../src/core/rng';
import { meanCI95 } from '../../src/core/stats';
import { loadCheckpoint } from '../../src/checkpoint';
import type { RunSummary } from '../../src/summary';
import { taskFamilyFor } from '../../src/tasks/task-family';
import { createTfjsEngine } from '../../src/worker/tfjs-engine';
import { LocalCluster } from '../../src/local/local-cluster';
import { finalParamsBytes, runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';
import type { RunConfigInput } from '../../src/core/config';
import { MALLOC_TUNABLES } from '../../src/core/malloc-tunables';

test('metatrain run with 2 workers finishes, its checkpoint loads and its summary numbers come from the run', async () => {
  const dir = tempDir();
  const raw = sinusoidConfig(dir);
  const result = await runCli(['run', writeConfig(dir, raw), '--workers', '2']);
  assert.equal(result.code, 0, result.stderr);
  const runDir = join(dir, 'run');
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.steps, 12);
  assert.deepEqual(summary.results.map((r) => r.name), ['meta-learned', 'random']);
  assert.ok(existsSync(join(runDir, 'logs', 'worker-0.log')) && existsSync(join(runDir, 'logs', 'worker-1.log')));

  // The checkpoint the summary names loads, and re-evaluating it here on the same meta-test tasks gives the
  // summary's numbers exactly (the workers and this process run the same deterministic engine).
  const checkpoint = await loadCheckpoint(summary.checkpoint);
  assert.equal(checkpoint.step, summary.bestStep);
  const config = parseRunConfig(raw);
  const engine = await createTfjsEngine(config, 'wasm');
  const family = taskFamilyFor(config);
  const curves = Array.from({ length: config.evaluation.testTasks }, (_, i) =>
    engine.evaluate(checkpoint.params, family.sampleSpec('test', deriveSeed(config.seed, 'test', i)), config.evaluation.adaptSteps, false),
  );
  for (let s = 0; s <= config.evaluation.adaptSteps; s++) {
    const expected = meanCI95(curves.map((c) => c.metric[s]!));
    assert.ok(Math.abs(summary.results[0]!.metric[s]!.mean - expected.mean) <= 1e-9 * Math.max(1, expected.mean), `step ${s}: ${summary.results[0]!.metric[s]!.mean} vs ${expected.mean}`);
  }
  // The printed table shows the same numbers.
  const last = summary.results[0]!.metric[config.evaluation.adaptSteps]!;
  assert.match(result.stdout, new RegExp(`${last.mean.toFixed(3)} ± ${last.ci95.toFixed(3)}`));
  assert.match(result.stdout, /meta-learned/);
  assert.match(result.stdout, /random/);
});

test('the same config with 1 worker and with 3 workers gives bitwise-identical final meta-parameters', async () => {
  const dir1 = tempDir();
  const dir3 = tempDir();
  const [one, three] = await Promise.all([
    runCli(['run', writeConfig(dir1, sinusoidConfig(dir1)), '--workers', '1']),
    runCli(['run', writeConfig(dir3, sinusoidConfig(dir3)), '--workers', '3']),
  ]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(three.code, 0, three.stderr);
  const a = finalParamsBytes(join(dir1, 'run'), 12);
  const b = finalParamsBytes(join(dir3, 'run'), 12);
  assert.ok(a.length > 1000);
  assert.ok(a.equals(b), 'final parameters differ between 1 and 3 workers');
});

test('a bad config is refused with the failing field path and nothing is written', async () => {
  const dir = tempDir();
  const bad = sinusoidConfig(dir, { algorithm: { innerLr: -0.5 } });
  const result = await runCli(['run', writeConfig(dir, bad)]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /invalid config at algorithm\.innerLr/);
  assert.match(result.stderr, /-0\.5/);
  assert.equal(existsSync(join(dir, 'run')), false);
});

test('a jsonl run finds its data beside the config from any directory, and resumes after the config and data move', async () => {
  const dir = tempDir();
  const project = join(dir, 'project');
  mkdirSync(join(project, 'data'), { recursive: true });
  writeFileSync(join(project, 'data', 'user.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `text ${i % 10} ${'ab'.repeat(i % 10)} #${i}`, label: `L${i % 10}` })).join('\n'));
  const config = (maxSteps: number): RunConfigInput => ({
    name: 'jsonl-run',
    seed: 5,
    task: { family: 'jsonl', path: 'data/user.jsonl', ways: 2, shots: 1, queryShots: 1 },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 16 },
    algorithm: { name: 'fomaml', innerSteps: 1, metaBatchSize: 2 },
    training: { maxSteps, evalEverySteps: 2, evalTasks: 2, checkpointEverySteps: 2, patience: 100 },
    evaluation: { testTasks: 2, adaptSteps: 1, baselines: ['random'] },
    runtime: { workers: 1, backend: 'cpu', outDir: join(dir, 'run') },
    compression: { enabled: false },
  });
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  const first = await runCli(['run', writeConfig(project, config(2))], {}, 120_000, elsewhere);
  assert.equal(first.code, 0, first.stderr);
  // Moved: runtime.baseDir (the config file's directory) changes, the config hash does not, so --resume continues.
  renameSync(project, join(dir, 'moved'));
  const resumed = await runCli(['run', writeConfig(join(dir, 'moved'), config(4)), '--resume'], {}, 120_000, elsewhere);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.steps, 4);
});

test('metatrain run starts its local workers with runtime.workerConcurrency as --concurrency and the malloc tunables', async () => {
  const dir = tempDir();
  const cluster = new LocalCluster({ config: parseRunConfig(sinusoidConfig(dir, { runtime: { workers: 1, workerConcurrency: 3 } })), resume: false, lingerMs: 0 });
  try {
    await cluster.start();
    const dispatcher = cluster.coordinator.dispatcher;
    while (dispatcher.workerCount < 1) await new Promise((r) => setTimeout(r, 20));
    const capacities = [...dispatcher['workers'].values()].map((w) => w.capacity);
    assert.deepEqual(capacities, [3]);
    const pid = (cluster['children'] as Array<{ pid?: number } | undefined>)[0]!.pid!;
    // glibc (2.36) ends the first tunable's value with a NUL in the process's original environment block once it has
    // read it, so /proc/PID/environ shows GLIBC_TUNABLES up to the first tunable; the value itself was passed whole.
    const seen = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith('GLIBC_TUNABLES='));
    assert.ok(seen !== undefined && `GLIBC_TUNABLES=${MALLOC_TUNABLES}`.startsWith(seen) && seen.length > 'GLIBC_TUNABLES='.length, `the worker runs with src/core/malloc-tunables.ts (its environment shows ${seen})`);
  } finally {
    await cluster.close();
  }
});
