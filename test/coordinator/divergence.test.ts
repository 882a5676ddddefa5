/**
 * A run whose learning rates make it diverge fails saying so, with what to lower, where the non-finite values are
 * first met: parameters after an update, or the results of deterministic workers computed from finite but huge
 * parameters. Real coordinator, real tfjs (cpu) worker in this process, over loopback gRPC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { DivergedError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { createTfjsEngine } from '../../src/worker/tfjs-engine';
import { Worker } from '../../src/worker/worker';
import { sinusoidConfig, tempDir } from '../support/harness';

/** Runs a short sinusoid run with `algorithm` merged in; resolves to the error it failed with. */
async function failureOf(algorithm: { innerLr?: number; outerLr?: number }): Promise<Error> {
  const dir = tempDir();
  const base = sinusoidConfig(dir, { runtime: { workers: 1, maxAttempts: 2, keepaliveMs: 1000 }, compression: { enabled: false } });
  const config = parseRunConfig({ ...base, algorithm: { ...base.algorithm, metaBatchSize: 2, ...algorithm } });
  const log = createLogger('test');
  log.level = 'silent';
  const coordinator = new Coordinator({ config, token: 't', resume: false, log });
  const port = await coordinator.start('127.0.0.1:0');
  const worker = new Worker({ address: `127.0.0.1:${port}`, token: 't', name: 'w', backend: 'cpu', concurrency: 1, log, createEngine: (c) => createTfjsEngine(c, 'cpu') });
  const running = worker.run().catch(() => undefined);
  try {
    await coordinator.run();
    return assert.fail('the run did not fail');
  } catch (err) {
    return err as Error;
  } finally {
    worker.stop();
    await coordinator.close();
    await running;
  }
}

const DIVERGED = /: training diverged \(lower algorithm\.outerLr or algorithm\.innerLr\)$/;

test('a run whose update overflows its parameters fails at that update, saying it diverged and what to lower', async () => {
  // Before: the coordinator published ±Infinity parameters, and the run failed later with "value Infinity … is not finite".
  const err = await failureOf({ outerLr: 1e39 });
  assert.ok(err instanceof DivergedError);
  assert.equal(err.divergence, 'training diverged (lower algorithm.outerLr or algorithm.innerLr)');
  assert.match(err.message, /^parameters after the update of step 1: tensor \S+ holds -?Infinity at index \d+/);
  assert.match(err.message, DIVERGED);
});

test('a run whose workers give non-finite results on every attempt (huge outerLr or innerLr) fails saying it diverged', async () => {
  // Before: "task train/2/0 failed 2 times …; last: … value NaN at index 0 is not finite", with no advice.
  for (const [algorithm, task] of [[{ outerLr: 1e30 }, 'train/2/'], [{ innerLr: 1e30 }, 'train/1/']] as const) {
    const err = await failureOf(algorithm);
    assert.ok(err instanceof DivergedError, JSON.stringify(algorithm));
    assert.equal(err.divergence, 'training diverged (lower algorithm.outerLr or algorithm.innerLr)');
    assert.match(err.message, new RegExp(`^task ${task}\\d+ failed 2 times .* is not finite`), JSON.stringify(algorithm));
    assert.match(err.message, DIVERGED, JSON.stringify(algorithm));
  }
});

test('a run that meta-trains but whose test-time fine-tuning overflows fails saying that diverged and what to lower', async () => {
  // Before: "task test/meta-learned/0 failed 2 times …; last: rejected result: evaluation curve holds Infinity".
  const err = await failureOf({ innerLr: 1000 });
  assert.ok(err instanceof DivergedError);
  assert.equal(err.divergence, 'fine-tuning at test time diverged (lower algorithm.innerLr, its step size, or evaluation.adaptSteps)');
  assert.match(err.message, /^task test\/\S+ failed 2 times .*Infinity/);
  assert.match(err.message, /: fine-tuning at test time diverged \(lower algorithm\.innerLr, its step size, or evaluation\.adaptSteps\)$/);
});
