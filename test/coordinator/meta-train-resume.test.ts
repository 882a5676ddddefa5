/**
 * metaTrain resuming from a checkpoint whose tracker's best step lost its checkpoint (src/coordinator/meta-train.ts):
 * a newer best, since corrupted, had it pruned. Real checkpoint store on disk; no worker (nothing left to train).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore } from '../../src/checkpoint';
import { configHash, parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { emptyHistory, metaTrain } from '../../src/coordinator/meta-train';
import { ParamVersions } from '../../src/coordinator/param-versions';
import { RunEvents } from '../../src/coordinator/run-events';
import type { TaskDispatcher } from '../../src/coordinator/task-dispatcher';
import { taskFamilyFor } from '../../src/tasks/task-family';
import { inputFor } from '../checkpoint/checkpoint-fixtures';
import { sinusoidConfig, tempDir } from '../support/harness';

test('resuming where the best step\'s checkpoint was pruned for a newer best that is corrupt warns and takes the resumed step as best', async () => {
  // Before: "checkpoint …/step-00000002: missing manifest.json", and the run failed.
  const dir = tempDir();
  const config = parseRunConfig(sinusoidConfig(dir, { training: { maxSteps: 3, evalEverySteps: 2, checkpointEverySteps: 1, keepCheckpoints: 2, patience: 100 }, compression: { enabled: false } }));
  const hash = configHash(config);
  const store = new CheckpointStore(join(dir, 'checkpoints'), { keep: 2 });
  const extra = (bestStep: number) => ({ config, convergence: { bestLoss: 0.5, bestStep, sinceBest: 0 }, converged: false, history: emptyHistory() });
  await store.save({ ...inputFor(2, 4, hash), extra: extra(2), best: true });
  const resumed = (await store.save({ ...inputFor(3, 4, hash), extra: extra(2) })).path;
  const newest = (await store.save({ ...inputFor(4, 4, hash), extra: extra(4), best: true })).path;
  assert.deepEqual((await store.list()).map((c) => c.step), [3, 4], 'step 2 pruned once step 4 became the best');
  truncateSync(join(newest, 'params.safetensors'), 10);

  const log = createLogger('test');
  log.level = 'silent';
  const events = new RunEvents();
  const warnings: string[] = [];
  events.on('warning', (w) => warnings.push(w));
  const ctx = { config, configHash: hash, family: taskFamilyFor(config), dispatcher: {} as TaskDispatcher, versions: new ParamVersions(), store, log, events, stopping: () => false };
  const result = await metaTrain(ctx, true);

  assert.equal(result.step, 3);
  assert.equal(result.bestStep, 3);
  assert.equal(result.bestCheckpoint, resumed);
  assert.deepEqual(result.best, inputFor(3).params);
  assert.ok(warnings.some((w) => w.startsWith(`skipped corrupt checkpoint ${newest}`)), warnings.join('\n'));
  assert.ok(warnings.includes(`the best checkpoint so far, step 2, cannot be loaded (checkpoint ${join(dir, 'checkpoints', 'step-00000002')}: missing manifest.json): the resumed step 3's parameters stand in for it until a better validation`), warnings.join('\n'));
});
