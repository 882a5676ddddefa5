/** A worker whose coordinator cannot be reached says so in words before each retry (a real `metatrain worker`). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startCli, waitExit, waitForOutput } from '../support/harness';

test('a worker whose coordinator refuses connections logs "coordinator HOST:PORT not reachable (connection refused); retrying in N s", grpc-js text only at debug', async () => {
  // Before: each retry logged "14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED …".
  const address = `127.0.0.1:${await freePort()}`;
  for (const level of ['info', 'debug']) {
    const child = startCli(['worker', '--coordinator', address, '--max-backoff-ms', '500'], { METATRAIN_TOKEN: 'token', METATRAIN_LOG_LEVEL: level });
    try {
      // Reads its log until it has retried twice (a few seconds).
      await waitForOutput(child, (text) => text.split('retrying in').length > 3, 20_000);
    } finally {
      child.kill('SIGKILL');
    }
    const r = await waitExit(child, 10_000);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; err?: string });
    const retries = lines.filter((l) => l.level === 40);
    assert.ok(retries.length >= 2, `${level}: retried, said each time:\n${r.stderr}`);
    for (const line of retries) assert.match(line.msg, new RegExp(`^coordinator ${address.replace(/\./g, '\\.')} not reachable \\(connection refused\\); retrying in \\d+\\.\\d s$`));
    assert.ok(retries.every((l) => l.err === undefined), `${level}: no raw error at warn level:\n${r.stderr}`);
    const raw = lines.filter((l) => l.err?.includes('ECONNREFUSED'));
    if (level === 'info') assert.equal(raw.length, 0, r.stderr);
    else assert.ok(raw.length > 0 && raw.every((l) => l.level === 20), `debug keeps grpc-js's text:\n${r.stderr}`);
  }
});
