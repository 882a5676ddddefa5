/** `metatrain help NAME` for a NAME that is no command: refused as `metatrain NAME` is (src/cli/main.ts). Needs the built CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/harness';

test('metatrain help NAME for an unknown NAME says the command is unknown, suggests one and lists them, exiting 1 as metatrain NAME does', async () => {
  // Before: the general help alone, with no word that NAME is unknown.
  for (const [name, suggestion] of [['nosuch', ''], ['rnu', '\n(Did you mean run?)']]) {
    const direct = await runCli([name!]);
    const helped = await runCli(['help', name!]);
    assert.equal(helped.code, 1, helped.stderr);
    assert.equal(helped.stdout, '');
    assert.ok(helped.stderr.startsWith(`error: unknown command '${name}'${suggestion}\n`), helped.stderr);
    assert.match(helped.stderr, /\n {2}import-hf \[options\] <hf-dir> /, 'lists the commands');
    assert.deepEqual(helped, direct);
  }
  // A known command's help is as before.
  const run = await runCli(['help', 'run']);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.startsWith('Usage: metatrain run [options] <config>\n'), run.stdout);
});
