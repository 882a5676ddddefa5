/** `metatrain coordinator`: how a start is refused, and what a stop says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { runCli, sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

const ENV = { METATRAIN_TOKEN: 'coordinator-cli-token', METATRAIN_LOG_LEVEL: 'info' };

test('a coordinator refused by the checkpoints of an earlier run exits 1 at once, its reader gone, without saying listening or meta-training', async () => {
  const dir = tempDir();
  const earlier = sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 2, evalTasks: 2, checkpointEverySteps: 1 }, evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] }, runtime: { workers: 1 } });
  const done = await runCli(['run', writeConfig(dir, earlier), '--backend', 'cpu']);
  assert.equal(done.code, 0, done.stderr);
  // With runtime.metricsPort a coordinator lingers 30 s after its run ends: a refusal found only after it started lingered too.
  const refusals = [
    // The advice names no --out: the coordinator has no such option.
    { args: [], config: earlier, reason: /already exist: continue that run with --resume, or choose another runtime\.outDir or remove it\n/ },
    { args: ['--resume'], config: { ...earlier, seed: 4 }, reason: /seed/ },
  ];
  for (const { args, config, reason } of refusals) {
    const file = writeConfig(dir, { ...config, runtime: { ...config.runtime, metricsPort: 0 } }, 'coordinator.yaml');
    const child = startCli(['coordinator', '--config', file, '--listen', '127.0.0.1:0', ...args], ENV);
    child.stdout!.destroy();
    const r = await waitExit(child, 15_000);
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
    assert.match(r.stderr, reason);
    assert.doesNotMatch(r.stderr, /"msg":"(listening|meta-training)"/);
  }
});

test('a coordinator whose metrics port is taken exits 1 naming runtime.metricsPort, without saying listening', async (t) => {
  const taken = createServer().listen(0, '127.0.0.1');
  t.after(() => taken.close());
  await new Promise((r) => taken.once('listening', r));
  const dir = tempDir();
  const config = sinusoidConfig(dir, { runtime: { metricsPort: (taken.address() as AddressInfo).port } });
  const child = startCli(['coordinator', '--config', writeConfig(dir, config), '--listen', '127.0.0.1:0'], ENV);
  child.stdout!.destroy();
  const r = await waitExit(child, 15_000);
  assert.equal(r.code, 1, `exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  assert.match(r.stderr, /runtime\.metricsPort: .*EADDRINUSE/);
  assert.doesNotMatch(r.stderr, /"msg":"listening"/);
});

test('a coordinator stopped before any meta-step completed does not say it checkpoints, and exits 143', async () => {
  const dir = tempDir();
  const child = startCli(['coordinator', '--config', writeConfig(dir, sinusoidConfig(dir)), '--listen', '127.0.0.1:0'], ENV);
  await waitForOutput(child, (text) => text.includes('"listening"'));
  child.kill('SIGTERM');
  const r = await waitExit(child, 30_000);
  assert.equal(r.code, 143, `exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  assert.match(r.stderr, /stopping \(a second Ctrl-C or SIGTERM exits at once\)/);
  assert.doesNotMatch(r.stderr, /checkpointing/);
});
