import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/checkpoint';
import { checkpointSteps, sinusoidConfig, startCli, tempDir, waitExit, writeConfig } from '../support/harness';
import { mountSmallVolume, smallVolumeUnavailable } from '../support/small-volume';

/** Every entry below `dir` whose name marks a temporary write (`.tmp-…` or `….tmp`). */
function temporaries(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => /(^|\/)\.tmp-|\.tmp$/.test(p));
}

test('a run whose volume fills up while it finishes fails with exit 1, naming the file and ENOSPC, never enters succeeded, leaves no temporary and keeps its checkpoints', { skip: smallVolumeUnavailable() }, async (t) => {
  const dir = tempDir();
  const volume = mountSmallVolume(dir, 16 * 1024 * 1024);
  t.after(() => volume.unmount());
  const runDir = join(volume.path, 'run');
  // The logs stay on the ordinary disk: this test is about what the run publishes.
  mkdirSync(join(dir, 'logs'));
  mkdirSync(runDir);
  symlinkSync(join(dir, 'logs'), join(runDir, 'logs'));
  // Enough meta-test tasks that the evaluation outlasts filling the volume once it has begun.
  const config = sinusoidConfig(dir, { runtime: { workers: 2, outDir: runDir, leaseTimeoutMs: 20_000, maxAttempts: 4, keepaliveMs: 1000 }, evaluation: { testTasks: 40, adaptSteps: 2, baselines: ['random'] }, compression: { enabled: false } });
  const child = startCli(['run', writeConfig(dir, config)]);
  let filled = false;
  child.stderr!.on('data', () => {
    if (!filled && child.output.stderr.includes('[evaluating]')) {
      volume.fill();
      filled = true;
    }
  });
  const result = await waitExit(child);
  assert.ok(filled, `the run never reached its evaluation:\n${result.stderr}`);

  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`cannot write ${join(runDir, 'summary.json').replace(/[.]/g, '\\.')}: no space left on device \\(ENOSPC\\)`));
  assert.match(result.stderr, /\[failed\] cannot write .*summary\.json/);
  assert.doesNotMatch(result.stderr, /\[succeeded\]/);
  assert.doesNotMatch(result.stderr, /illegal run phase transition/);
  assert.ok(!existsSync(join(runDir, 'summary.json')) && !existsSync(join(runDir, 'report.html')));
  assert.deepEqual(temporaries(runDir), []);
  // Every checkpoint written before the volume filled, the final one included, is complete and verifies.
  const steps = checkpointSteps(runDir);
  assert.ok(steps.includes(12), `checkpoints: ${steps.join(', ')}`);
  for (const step of steps) assert.equal((await loadCheckpoint(join(runDir, 'checkpoints', `step-${String(step).padStart(8, '0')}`))).step, step);
});
