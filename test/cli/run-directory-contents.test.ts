/**
 * A new run refuses a user's files under a run's names, judged by their content (src/cli/run-directory-contents.ts,
 * CheckpointStore.otherEntries), and takes an earlier run's as its own. The real CLI (`metatrain run`, built).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';

test('a user\'s targets.json or checkpoints/best.json is named and left as it is, not replaced; an earlier run\'s are taken as a run\'s', async () => {
  // Before: both passed by their names, and the run replaced them.
  const dir = tempDir();
  const small = { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false }, runtime: { workers: 1 } };
  const config = writeConfig(dir, sinusoidConfig(dir, small));
  const cases: Array<[string, string]> = [
    ['targets.json', '{"my":"data"}\n'],
    ['checkpoints/best.json', '{"mine":true}\n'],
  ];
  for (const [name, text] of cases) {
    const out = join(dir, name.replace(/\W/g, '-'));
    mkdirSync(join(out, 'checkpoints'), { recursive: true });
    writeFileSync(join(out, name), text);
    const r = await runCli(['run', config, '--backend', 'cpu', '--out', out]);
    assert.equal(r.code, 1, `${name}: ${r.stdout}`);
    assert.equal(r.stderr, `metatrain: --out ${out} holds files that are not a run's (${name}): the run's checkpoints, logs and reports would be written there beside them, over any of the same name; give --out a new or empty directory, or move them elsewhere\n`);
    assert.equal(readFileSync(join(out, name), 'utf8'), text);
  }
  // An earlier run's directory, its checkpoints removed but best.json left: its targets.json and best.json are a run's.
  const earlier = join(dir, 'earlier');
  const first = await runCli(['run', config, '--backend', 'cpu', '--out', earlier]);
  assert.equal(first.code, 0, first.stderr);
  for (const name of readdirSync(join(earlier, 'checkpoints')).filter((n) => n.startsWith('step-'))) rmSync(join(earlier, 'checkpoints', name), { recursive: true });
  assert.deepEqual(readdirSync(join(earlier, 'checkpoints')), ['best.json']);
  const again = await runCli(['run', config, '--backend', 'cpu', '--out', earlier]);
  assert.equal(again.code, 0, again.stderr);
});
