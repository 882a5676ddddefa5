/** Each worker's connection to the coordinator is its own TCP connection, as a worker pod's is (bench/scale's hosts hold many). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/core/logger';
import { CoordinatorConnection } from '../../src/worker/coordinator-connection';

test('three worker connections in one process open three TCP connections to the coordinator', async () => {
  // Before, grpc-js shared one connection between the clients of a process with the same target and options (its
  // global subchannel pool): bench/scale ran 64 simulated workers per host over one HTTP/2 connection.
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket)); // accepts, never answers: each client waits
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const log = createLogger('test');
  log.level = 'silent';
  const connections = Array.from({ length: 3 }, (_, i) => new CoordinatorConnection({ address, token: 't', name: `w${i}`, backend: 'simulated', log }));
  const running = connections.map((c) => c.run(() => ({ welcomed: async () => undefined, assigned: () => undefined, cancelled: () => undefined, ended: () => undefined })).catch(() => undefined));
  try {
    const deadline = Date.now() + 5000;
    while (sockets.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // a fourth would show by now
    assert.equal(sockets.length, 3);
  } finally {
    for (const c of connections) c.stop();
    for (const s of sockets) s.destroy();
    server.close();
    await Promise.all(running);
  }
});
