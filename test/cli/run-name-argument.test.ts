import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/harness';

test('status, scale and stop refuse a name no run can have with the rule a config is told, before any cluster call', async () => {
  // Before: the name went into label selectors and object names, and the API server answered with its own error.
  const rule = 'must be a DNS label: lowercase letters, digits and -, at most 40 characters';
  for (const name of ['NoSuch_Run', 'a.b', 'a'.repeat(41)]) {
    for (const args of [['status', name], ['scale', name, '--workers', '2'], ['stop', name]]) {
      const r = await runCli(args, {}, 20_000);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`error: command-argument value '${name}' is invalid for argument 'run'. a run name (the config's name) ${rule}\n`), r.stderr);
    }
  }
});
