/** Command-line options are refused by the parser, naming the option and what it accepts, before any work starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';

test('every command with --backend refuses an unknown backend, naming the option and the choices', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const commands = [
    ['run', config],
    ['worker', '--coordinator', '127.0.0.1:1'],
    ['compress', '--checkpoint', dir],
    ['adapt', '--checkpoint', dir, '--data', config, '--out', `${dir}/out`],
    ['compressor', '--nats', 'nats://127.0.0.1:4222'],
  ];
  for (const args of commands) {
    const result = await runCli([...args, '--backend', 'nonsense'], { METATRAIN_TOKEN: 't' }, 30_000);
    assert.notEqual(result.code, 0, `${args[0]}: ${result.stderr}`);
    assert.match(result.stderr, /option '--backend <name>' argument 'nonsense' is invalid\. Allowed choices are wasm, cpu, tensorflow\./, args[0]);
  }
});

test('metatrain run refuses a worker count that is not a positive integer', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  for (const bad of ['0', 'abc']) {
    const result = await runCli(['run', config, '--workers', bad], {}, 30_000);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`option '--workers <n>' argument '${bad}' is invalid\\. expected a positive integer`));
  }
});
