import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { LocalCluster } from '../../src/local/local-cluster';
import type { WorkItem } from '../../src/coordinator/work-item';
import { finalParamsBytes, freePort, runCli, sinusoidConfig, startCli, tempDir, waitExit, writeConfig } from '../support/harness';

const TOKEN = { METATRAIN_TOKEN: 'fault-tolerance-token' };

async function undisturbed(): Promise<Buffer> {
  const dir = tempDir();
  const r = await runCli(['run', writeConfig(dir, sinusoidConfig(dir)), '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  return finalParamsBytes(join(dir, 'run'), 12);
}

const reference = undisturbed();

test('SIGKILL of a worker mid-step, several times, leaves the final parameters unchanged', async () => {
  const dir = tempDir();
  const cluster = new LocalCluster({ config: parseRunConfig(sinusoidConfig(dir)), workers: 2 });
  const killAt = new Set([2, 5, 9]);
  const killed: number[] = [];
  const redispatched: string[] = [];
  cluster.coordinator.dispatcher.on('dispatched', (item: WorkItem, workerId: string) => {
    if (item.kind === 'train' && killAt.delete(item.step)) {
      const pid = cluster.pidOf(workerId);
      if (pid) {
        process.kill(pid, 'SIGKILL');
        killed.push(item.step);
      }
    }
  });
  cluster.coordinator.dispatcher.on('redispatched', (item: WorkItem) => redispatched.push(item.key));
  await cluster.start();
  const summary = await cluster.run();
  assert.equal(summary.steps, 12);
  assert.deepEqual(killed, [2, 5, 9]);
  assert.ok(redispatched.length >= 3, `expected re-dispatches after the kills, got ${redispatched.join(', ')}`);
  assert.ok(finalParamsBytes(join(dir, 'run'), 12).equals(await reference), 'final parameters differ from the undisturbed run');
});

test('SIGKILL of the coordinator mid-run, then --resume, reaches the same final parameters', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const workers = [0, 1].map((i) => startCli(['worker', '--coordinator', address, '--name', `w${i}`, '--max-backoff-ms', '500'], TOKEN));
  try {
    const first = startCli(['coordinator', '--config', config, '--listen', address], TOKEN);
    const ckpt = join(dir, 'run', 'checkpoints', 'step-00000004');
    while (!existsSync(ckpt)) {
      assert.equal(first.exitCode, null, first.output.stderr);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    const killed = await waitExit(first);
    assert.equal(killed.signal, 'SIGKILL');
    const second = await waitExit(startCli(['coordinator', '--config', config, '--listen', address, '--resume'], TOKEN));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /"event":"finished"/);
    assert.ok(finalParamsBytes(join(dir, 'run'), 12).equals(await reference), 'resumed run ended with different parameters');
  } finally {
    for (const w of workers) w.kill('SIGKILL');
  }
});

test('a truncated newest checkpoint is detected, the previous one is used and a warning says so', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const done = await runCli(['run', config]);
  assert.equal(done.code, 0, done.stderr);
  const newest = join(dir, 'run', 'checkpoints', 'step-00000012', 'params.safetensors');
  truncateSync(newest, Math.floor(statSync(newest).size / 2));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const workers = [0, 1].map((i) => startCli(['worker', '--coordinator', address, '--name', `w${i}`, '--max-backoff-ms', '500'], TOKEN));
  try {
    const resumed = await waitExit(startCli(['coordinator', '--config', config, '--listen', address, '--resume'], TOKEN));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /step-00000012/);
    assert.match(resumed.stderr, /resumed from .*step-00000008/);
    // A run's warnings are log lines (JSON, warn level) like the rest of a coordinator's log (a trial saw a plain line).
    const line = resumed.stderr.split('\n').find((l) => l.includes('resumed from'))!;
    assert.equal((JSON.parse(line) as { level: number }).level, 40, line);
    // Once: the checkpoint store's warnings were logged by the meta-training loop and again by the CLI (a trial).
    assert.equal(resumed.stderr.split('\n').filter((l) => l.includes('skipped corrupt')).length, 1, resumed.stderr);
    assert.ok(finalParamsBytes(join(dir, 'run'), 12).equals(await reference), 'run resumed from the previous checkpoint ended elsewhere');
  } finally {
    for (const w of workers) w.kill('SIGKILL');
  }
});
