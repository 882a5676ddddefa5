/**
 * A worker started by hand leaves when the run is over (the coordinator's `Finished`, docs/wire.md): exit 0, also
 * when it joins a coordinator lingering after the run; with `--stay-after-run` it stays joined. Real processes: a
 * `metatrain coordinator` that lingers after a short sinusoid run and `metatrain worker`s over loopback gRPC.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { freePort, sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';

const ENV = { METATRAIN_TOKEN: 'worker-exit-token', METATRAIN_LOG_LEVEL: 'info' };
const LEAVING = /the run finished \(succeeded\); leaving/;

let address = '';
let coordinator: ReturnType<typeof startCli>;
let leaver: ReturnType<typeof startCli>;
let stayer: ReturnType<typeof startCli>;
const children: Array<ReturnType<typeof startCli>> = [];

function worker(name: string, ...args: string[]): ReturnType<typeof startCli> {
  const child = startCli(['worker', '--coordinator', address, '--name', name, '--max-backoff-ms', '500', ...args], ENV);
  children.push(child);
  return child;
}

before(async () => {
  const dir = tempDir();
  address = `127.0.0.1:${await freePort()}`;
  // Lingers after the run (serving its status) so that a worker's exit can only come from `Finished`, not from the
  // coordinator going away, and so that a worker can join the finished run.
  coordinator = startCli(['coordinator', '--config', writeConfig(dir, sinusoidConfig(dir)), '--listen', address, '--linger-seconds', '300'], { METATRAIN_TOKEN: ENV.METATRAIN_TOKEN });
  children.push(coordinator);
  await waitForOutput(coordinator, (text) => text.includes('"event":"listening"'));
  leaver = worker('leaver');
  stayer = worker('stayer', '--stay-after-run');
  await waitForOutput(coordinator, (text) => text.includes('"event":"finished"'), 120_000);
  assert.match(coordinator.output.stdout, /"event":"finished","reason":"(max-steps|converged)"/);
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
});

test('a worker started by hand exits 0 once the run it served has succeeded', async () => {
  const r = await waitExit(leaver, 30_000);
  assert.equal(r.code, 0, `exit ${r.code} (${r.signal}):\n${r.stderr}`);
  assert.match(r.stderr, LEAVING);
  assert.equal(coordinator.exitCode, null, 'the coordinator is still lingering: the worker left on Finished, not because the coordinator went away');
});

test('a worker that joins a coordinator whose run is already over exits 0 at once', async () => {
  const late = worker('late');
  const r = await waitExit(late, 30_000);
  assert.equal(r.code, 0, `exit ${r.code} (${r.signal}):\n${r.stderr}`);
  assert.match(r.stderr, LEAVING);
});

test('with --stay-after-run a worker stays joined after the run, until stopped', async () => {
  await waitForOutput(stayer, (text) => /the run finished \(succeeded\); staying for the next run/.test(text), 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(stayer.exitCode, null, stayer.output.stderr);
  assert.doesNotMatch(stayer.output.stderr, LEAVING);
  stayer.kill('SIGTERM');
  const r = await waitExit(stayer, 30_000);
  assert.equal(r.code, 143, r.stderr);
});

test('a worker pointed at a server that does not speak gRPC (here one greeting like NATS) exits 1 saying so, instead of retrying forever', async () => {
  const server = createServer((socket) => socket.end('INFO {"server_id":"x"}\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const child = startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', 'lost', '--max-backoff-ms', '500'], ENV);
    children.push(child);
    const result = await waitExit(child, 30_000);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port} answers, but not in gRPC \\(HTTP/2 protocol error\\): give --coordinator the coordinator's gRPC address`));
  } finally {
    server.close();
  }
});
