import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { LocalCluster } from '../../src/local/local-cluster';
import type { WorkItem } from '../../src/coordinator/work-item';
import { rawWorker } from '../support/raw-worker';
import { freePort, sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

test('a worker frozen mid-task (SIGSTOP) is dropped by keepalive and its task reassigned before its lease expires', async () => {
  const dir = tempDir();
  // Lease far longer than the test: only keepalive (1 s) can detect the frozen worker.
  const config = parseRunConfig(sinusoidConfig(dir, { runtime: { leaseTimeoutMs: 600_000, keepaliveMs: 1000 } }));
  const cluster = new LocalCluster({ config, workers: 2 });
  let frozen: number | undefined;
  let frozenItem: string | undefined;
  const reasons: string[] = [];
  cluster.coordinator.dispatcher.on('dispatched', (item: WorkItem, workerId: string) => {
    if (frozen === undefined && item.kind === 'train' && item.step === 3) {
      frozen = cluster.pidOf(workerId);
      frozenItem = item.key;
      if (frozen) process.kill(frozen, 'SIGSTOP');
    }
  });
  cluster.coordinator.dispatcher.on('redispatched', (item: WorkItem, reason: string) => {
    if (item.key === frozenItem) {
      reasons.push(reason);
      if (frozen) process.kill(frozen, 'SIGCONT');
    }
  });
  await cluster.start();
  const summary = await cluster.run();
  assert.equal(summary.steps, 12);
  assert.ok(frozen, 'no worker was frozen');
  assert.equal(reasons.length, 1, `re-dispatches of the frozen task: ${reasons.join(' | ')}`);
  assert.match(reasons[0]!, /left/);
  assert.doesNotMatch(reasons[0]!, /expired/);
});

test('a worker that abandons its stream has its in-flight task re-queued exactly once', async () => {
  const dir = tempDir();
  const config = parseRunConfig(sinusoidConfig(dir, { training: { maxSteps: 4, evalEverySteps: 4, checkpointEverySteps: 4 } }));
  const coordinator = new Coordinator({ config, token: 't0k3n', resume: false, log: createLogger('coordinator', join(dir, 'c.log')) });
  const port = await coordinator.start('127.0.0.1:0');
  const redispatched: Array<[string, string]> = [];
  coordinator.dispatcher.on('redispatched', (item: WorkItem, reason: string) => redispatched.push([item.key, reason]));
  let abandoned: string | undefined;
  const raw = rawWorker(`127.0.0.1:${port}`, 't0k3n', 'quitter', (a, w) => {
    if (abandoned) return;
    abandoned = a.assignmentId.split('#')[0];
    w.stream.cancel();
  });
  const running = coordinator.run();
  await raw.closed;
  const worker = startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', 'steady'], { METATRAIN_TOKEN: 't0k3n' });
  try {
    const summary = await running;
    assert.equal(summary.steps, 4);
  } finally {
    worker.kill('SIGTERM');
    await waitExit(worker);
    await coordinator.close();
  }
  assert.ok(abandoned);
  assert.deepEqual(redispatched.map(([k]) => k), [abandoned], JSON.stringify(redispatched));
  assert.match(redispatched[0]![1], /quitter#\d+ left/);
});

test('workers rejoin within their maximum backoff after the coordinator is restarted repeatedly', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 40, evalEverySteps: 10, checkpointEverySteps: 2 } }));
  const address = `127.0.0.1:${await freePort()}`;
  const env = { METATRAIN_TOKEN: 'restart-token' };
  const maxBackoffMs = 1000;
  // --stay-after-run: on a fast machine a short round can finish the 40 steps, and a worker told the run is over
  // would leave (as it should by hand); here the workers must outlive every coordinator, as a launcher's do.
  const workers = [0, 1].map((i) => startCli(['worker', '--coordinator', address, '--name', `w${i}`, '--max-backoff-ms', String(maxBackoffMs), '--stay-after-run'], env));
  try {
    for (let round = 0; round < 3; round++) {
      const c = startCli(['coordinator', '--config', config, '--listen', address, ...(round > 0 ? ['--resume'] : [])], env);
      await new Promise((r) => setTimeout(r, 1500));
      c.kill('SIGKILL');
      await waitExit(c);
    }
    // The last coordinator gets a budget it cannot finish (maxSteps is outside the config hash, so --resume accepts
    // it): on a fast machine the first rounds may have done most of 40 steps, and one worker could otherwise finish
    // the run before the other's backoff is over. It is stopped (SIGTERM) once both workers have joined.
    writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 100_000, evalEverySteps: 10, checkpointEverySteps: 2 } }));
    const last = startCli(['coordinator', '--config', config, '--listen', address, '--resume'], { ...env, METATRAIN_LOG_LEVEL: 'info' });
    const joined = (text: string, name: string) => text.split('\n').some((l) => l.includes(`"workerId":"${name}#`) && l.includes('"msg":"worker joined"'));
    await waitForOutput(last, (text) => joined(text, 'w0') && joined(text, 'w1'), 30_000).catch(() => undefined);
    last.kill('SIGTERM');
    const result = await waitExit(last);
    assert.equal(result.code, 143, result.stderr);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; time: number; workerId?: string });
    const listening = lines.find((l) => l.msg === 'listening')!;
    const joins = lines.filter((l) => l.msg === 'worker joined');
    const names = new Set(joins.map((j) => j.workerId!.split('#')[0]));
    assert.deepEqual([...names].sort(), ['w0', 'w1']);
    // Each worker's first join after the final start comes within its maximum backoff (plus process scheduling slack).
    for (const name of names) {
      const first = joins.find((j) => j.workerId!.startsWith(`${name}#`))!;
      assert.ok(first.time - listening.time <= maxBackoffMs + 2000, `${name} rejoined after ${first.time - listening.time} ms`);
    }
  } finally {
    for (const w of workers) w.kill('SIGKILL');
  }
});
