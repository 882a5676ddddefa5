import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/harness';

test('run, coordinator and launch --dry-run refuse a malformed runtime.listen with the same message', async () => {
  // Before: `metatrain run` ignored runtime.listen 0.0.0.0:99999 (only a warning that run does not use it) and
  // `launch` replaced it with 0.0.0.0:7070; only `coordinator` refused it, when it tried to listen.
  const dir = mkdtempSync(join(tmpdir(), 'metatrain-listen-'));
  const config = join(dir, 'run.yaml');
  writeFileSync(config, 'name: demo\ntask: { family: sinusoid }\nmodel: { kind: sinusoid-mlp }\nruntime: { listen: "0.0.0.0:99999" }\n');
  const message = 'invalid config at runtime.listen: expected host:port with a port from 0 to 65535, 0 = any free port (got "0.0.0.0:99999")';
  for (const args of [['run', config], ['coordinator', '--config', config], ['launch', config, '--dry-run']]) {
    const r = await runCli(args, {}, 30_000, dir);
    assert.notEqual(r.code, 0, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${args[0]}: ${r.stderr}`);
    assert.equal(r.stdout, '', args[0]);
  }
});
