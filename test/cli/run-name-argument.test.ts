import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/harness';

test('status, scale and stop refuse a name no run can have with the rule a config is told, before any cluster call', async () => {
  // Before: the name went into label selectors and object names, and the API server answered with its own error.
  const rule = 'must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 40 characters';
  for (const name of ['NoSuch_Run', 'a.b', 'a'.repeat(41)]) {
    for (const args of [['status', name], ['scale', name, '--workers', '2'], ['stop', name]]) {
      const r = await runCli(args, {}, 20_000);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`error: command-argument value '${name}' is invalid for argument 'run'. a run name (the config's name) ${rule}\n`), r.stderr);
    }
  }
});

test('scale --workers takes decimal digits up to the int32 a Deployment holds, before any cluster call', async () => {
  // Before: Number() read 1e2 as 100, 0x10 as 16 and 5.0 as 5, and 1e9 or 99999999999 went to the API server as replicas.
  for (const [value, expected] of [
    ['1e2', 'expected an integer 0..2,147,483,647 written in digits only, got "1e2"'],
    ['0x10', 'written in digits only, got "0x10"'],
    ['5.0', 'written in digits only, got "5.0"'],
    [' 3', 'written in digits only, got " 3"'],
    ['99999999999', 'too large: expected an integer 0..2,147,483,647, got "99999999999"'],
  ] as const) {
    const r = await runCli(['scale', 'demo', '--workers', value, '--kubeconfig', '/nonexistent'], {}, 20_000);
    assert.equal(r.code, 1, `${value}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`option '--workers <n>' argument '${value}' is invalid. `) && r.stderr.includes(expected), `${value}: ${r.stderr}`);
  }
});
