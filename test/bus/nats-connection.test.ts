import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectNats } from '../../src/bus/nats-connection';

/** A TCP server on a free port of 127.0.0.1 that handles each connection with `onSocket`; its address, and `close`. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<{ address: string; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket.on('close', () => sockets.delete(socket)));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test('a server that speaks TLS first (answers plain bytes with a TLS record) is not called "not a NATS server": the connection error is said', async (t) => {
  // Before: "127.0.0.1:PORT answered, but not as a NATS server: give the NATS client port …", though a NATS server
  // with handshake_first answers so.
  for (const record of [[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46], [0x16, 0x03, 0x03, 0x00, 0x01, 0x00]]) {
    const { address, close } = await tcpServer((socket) => socket.once('data', () => socket.end(Buffer.from(record))).on('error', () => {}));
    t.after(close);
    await assert.rejects(connectNats(address, { name: 'test', timeoutMs: 500 }), (e: unknown) => {
      assert.match((e as Error).message, new RegExp(`^cannot connect to NATS at ${address}: `));
      return true;
    });
  }
});

test('a server that greets with bytes neither NATS nor TLS is still said not to be a NATS server', async (t) => {
  const { address, close } = await tcpServer((socket) => socket.on('error', () => {}).write('SSH-2.0-OpenSSH_9.6\r\n'));
  t.after(close);
  await assert.rejects(connectNats(address, { name: 'test', timeoutMs: 500 }), (e: unknown) => {
    assert.equal((e as Error).message, `${address} answered, but not as a NATS server: give the NATS client port (4222 by default), not the monitoring or metrics port`);
    return true;
  });
});

test('an HTTP server at the NATS address is said so within seconds, not after the connect timeout', { timeout: 20_000 }, async (t) => {
  // Before: the probe ran only once the connect timeout had passed (here a minute; watch's 5 s), so the test timed out.
  const { address, close } = await tcpServer((socket) => socket.on('error', () => {}).once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  t.after(close);
  await assert.rejects(connectNats(address, { name: 'test', timeoutMs: 60_000 }), (e: unknown) => {
    assert.equal((e as Error).message, `${address} answered, but not as a NATS server (it looks like HTTP): give the NATS client port (4222 by default), not the monitoring or metrics port`);
    return true;
  });
});

test('a nats:// server the client would misread (a leading zero, a path, query or fragment) is refused before dialing, naming it and what to write', async () => {
  // Before: nats://h:04222 dialed 4222, and the path, query or fragment was ignored.
  // Port 1, where nothing listens: without the refusal, the connection fails instead.
  const cases = [
    ['nats://127.0.0.1:01', 'NATS server nats://127.0.0.1:01: the port has a leading zero; write 1'],
    ['nats://127.0.0.1:1,127.0.0.1:1/', 'NATS server 127.0.0.1:1/: "/" after the port is a path, which the NATS client ignores; write 127.0.0.1:1'],
    ['tls://127.0.0.1:1?x=1', 'NATS server tls://127.0.0.1:1?x=1: "?x=1" after the port is a query, which the NATS client ignores; write tls://127.0.0.1:1'],
  ];
  for (const [url, message] of cases) {
    await assert.rejects(connectNats(url!, { name: 'test', timeoutMs: 500 }), { name: 'BusError', message }, url);
  }
});
