import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readdirSync, readlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../../src/core/package-root';
import { freePort, runCli, sinusoidConfig, startCli, tempDir, untilCheckpoint, waitExit, waitForOutput, writeConfig } from '../support/harness';

const TOKEN = { METATRAIN_TOKEN: 'exit-code-token' };
const endless = (dir: string) => sinusoidConfig(dir, { training: { maxSteps: 100_000, evalEverySteps: 1000, checkpointEverySteps: 2 } });

test('coordinator stopped by SIGTERM exits 143 and a worker stopped by SIGINT exits 130, both after a graceful stop', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, endless(dir));
  const address = `127.0.0.1:${await freePort()}`;
  const coordinator = startCli(['coordinator', '--config', config, '--listen', address], TOKEN);
  const worker = startCli(['worker', '--coordinator', address, '--name', 'w0', '--max-backoff-ms', '500'], TOKEN);
  try {
    await untilCheckpoint(coordinator, join(dir, 'run'));
    coordinator.kill('SIGTERM');
    const stopped = await waitExit(coordinator);
    assert.equal(stopped.code, 143, stopped.stderr);
    assert.match(stopped.stdout, /"event":"finished","reason":"stopped"/);
    assert.match(stopped.stderr, /stopping: checkpointing the last completed step/);
    worker.kill('SIGINT');
    const left = await waitExit(worker);
    assert.equal(left.code, 130, left.stderr);
  } finally {
    coordinator.kill('SIGKILL');
    worker.kill('SIGKILL');
  }
});

test('metatrain run stopped by SIGTERM exits 143 after checkpointing, with the resume hint', async () => {
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, endless(dir)), '--workers', '1']);
  try {
    await untilCheckpoint(run, join(dir, 'run'));
    run.kill('SIGTERM');
    const result = await waitExit(run);
    assert.equal(result.code, 143, result.stderr);
    assert.match(result.stderr, /continue with: metatrain run .* --resume/);
  } finally {
    run.kill('SIGKILL');
  }
});

test('Ctrl-C or SIGTERM while metatrain run lingers after a finished run ends the linger at once: exit 0, the results, no stop or resume message', async () => {
  // Before: the signal printed "stopping: checkpointing the last completed step", the linger went on to its end,
  // and only then came the results.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 2, evalTasks: 2, checkpointEverySteps: 2 }, evaluation: { testTasks: 2, adaptSteps: 1, baselines: [] }, compression: { enabled: false }, runtime: { workers: 1 } }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const run = startCli(['run', config, '--out', join(dir, signal), '--linger-seconds', '600']);
    try {
      await waitForOutput(run, (text) => text.includes('run complete'));
      run.kill(signal);
      const result = await waitExit(run, 20_000);
      assert.deepEqual({ code: result.code, signal: result.signal }, { code: 0, signal: null }, `${signal}: ${result.stderr}`);
      assert.match(result.stdout, /Few-shot meta-test results/);
      assert.match(result.stderr, /ending the linger: the run is over\n/);
      assert.doesNotMatch(result.stderr, /stopping|stopped|checkpointing|--resume|continue with/i);
    } finally {
      run.kill('SIGKILL');
    }
  }
});

test('metatrain watch stopped by SIGINT exits 130', async () => {
  const port = await freePort();
  const watch = startCli(['watch', 'some-run', '--coordinator', `127.0.0.1:${port}`, '--give-up-ms', '60000'], TOKEN);
  try {
    await waitForOutput(watch, (text) => text.includes('watching run some-run'));
    watch.kill('SIGINT');
    const result = await waitExit(watch);
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /stopped watching run some-run \(SIGINT\)/);
  } finally {
    watch.kill('SIGKILL');
  }
});

test('Ctrl-C or SIGTERM while metatrain run is still loading its modules exits 130 / 143, not by the signal', async () => {
  // The signal is sent while the process is held just after bin/metatrain.js installed its handling, before the
  // command's modules load (test/support/pause-before-command.ts). Before: it was sent 300 ms after the start, which
  // under load came before node ran any of our JS, and the process was killed by the signal.
  const pause = packageFile('dist/test/support/pause-before-command.js');
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const dir = tempDir();
    const resume = join(dir, 'resume');
    const run = startCli(['run', writeConfig(dir, endless(dir)), '--workers', '1'], { NODE_OPTIONS: `--require ${JSON.stringify(pause)}`, METATRAIN_TEST_RESUME: resume });
    try {
      await waitForOutput(run, (text) => text.includes('paused before loading the command'));
      run.kill(signal);
      writeFileSync(resume, '');
      const result = await waitExit(run, 30_000);
      assert.deepEqual({ code: result.code, signal: result.signal }, { code, signal: null }, `${signal}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /Error|    at /, 'no error, no stack trace');
    } finally {
      run.kill('SIGKILL');
    }
  }
});

/** Resolves once process `pid` holds `path` open at least `count` times (read from /proc/PID/fd). */
async function untilOpen(pid: number, path: string, count: number, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const opened = () =>
    readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false; // closed meanwhile
      }
    }).length;
  while (opened() < count) {
    if (Date.now() > end) throw new Error(`process ${pid} did not open ${path} ${count} times in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('Ctrl-C while metatrain run or compress reads its config, or a worker its token, from a pipe a producer holds open exits 130 at once', { skip: !existsSync('/proc/self/fd') }, async () => {
  // Before: `run /dev/stdin` and `--token-file /dev/stdin` read the pipe synchronously, so the signal waited until
  // the producer closed it; `compress --config /dev/stdin` read it asynchronously, but its handler only cancelled
  // the job that had not started.
  const dir = tempDir();
  const trained = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { compression: { enabled: false }, training: { maxSteps: 1, evalEverySteps: 1, evalTasks: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 1, adaptSteps: 1, baselines: [] }, runtime: { workers: 1, outDir: join(dir, 'run') } }))]);
  assert.equal(trained.code, 0, trained.stderr);
  const checkpoint = join(dir, 'run', 'checkpoints', 'step-00000001');
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  // This test is the producer: it holds the pipe open for writing (read-write, so the open does not wait for a reader)
  // and writes the start of a config, never the rest.
  const producer = openSync(fifo, constants.O_RDWR);
  try {
    writeSync(producer, 'name: demo\n');
    for (const args of [['run', '/dev/stdin'], ['worker', '--coordinator', '127.0.0.1:1', '--token-file', '/dev/stdin'], ['compress', '--checkpoint', checkpoint, '--config', '/dev/stdin']]) {
      const child = startCli([...args, '<', fifo], {}, undefined, true);
      try {
        await untilOpen(child.pid!, fifo, 2); // its standard input, and /dev/stdin opened to read it
        child.kill('SIGINT');
        const result = await waitExit(child, 20_000);
        assert.deepEqual({ code: result.code, signal: result.signal }, { code: 130, signal: null }, `${args[0]}: ${result.stderr}`);
      } finally {
        child.kill('SIGKILL');
      }
    }
  } finally {
    closeSync(producer);
  }
  assert.equal(existsSync(join(dir, 'run', 'compressed')), false, 'compress wrote nothing');
});
