import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectNats, natsProbeOf } from '../../src/bus/nats-connection';
import { natsServersOf } from '../../src/bus/nats-servers';
import { startNatsServer } from './nats-server';

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

test('an HTTP server at the NATS address is said so within seconds, not after the connect timeout, probed once', { timeout: 20_000 }, async (t) => {
  // Before: the probe ran only once the connect timeout had passed (here a minute; watch's 5 s), so the test timed out.
  // With a connect timeout (1 s) that ends while the probe begun at 0.5 s runs, the failed connection probed
  // again: two GET requests.
  for (const timeoutMs of [60_000, 1000]) {
    let requests = 0;
    const { address, close } = await tcpServer((socket) =>
      socket.on('error', () => {}).once('data', (chunk: Buffer) => {
        if (chunk.toString('latin1').startsWith('GET ')) requests++;
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      }),
    );
    t.after(close);
    await assert.rejects(connectNats(address, { name: 'test', timeoutMs }), (e: unknown) => {
      assert.equal((e as Error).message, `${address} answered, but not as a NATS server (it looks like HTTP): give the NATS client port (4222 by default), not the monitoring or metrics port`);
      return true;
    });
    assert.equal(requests, 1, `GET requests with timeoutMs ${timeoutMs}`);
  }
});

test('a cluster list where one server answers as HTTP and another is a NATS server connects', { timeout: 20_000 }, async (t) => {
  // Before: 0.5 s without a connection (the client dials the list in random order, here the HTTP server first half
  // the time, waiting out timeoutMs there), one HTTP answer refused the list. Six attempts: each dials the HTTP server
  // first with probability 1/2, so without the fix all six pass by chance 1 time in 64.
  const nats = await startNatsServer();
  t.after(() => nats.stop());
  const { address, close } = await tcpServer((socket) => socket.on('error', () => {}).once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  t.after(close);
  for (let attempt = 0; attempt < 6; attempt++) {
    const nc = await connectNats(`nats://${address},nats://127.0.0.1:${nats.port}`, { name: 'test', timeoutMs: 2000 });
    await nc.close();
  }
});

test('the servers are refused early only when every one with an address answers as something other than NATS', () => {
  // Before: any one server answering as HTTP or other bytes refused the list.
  const servers = natsServersOf('nats://a:8222,nats://b:4222');
  const http = 'a:8222 answered, but not as a NATS server (it looks like HTTP): give the NATS client port (4222 by default), not the monitoring or metrics port';
  assert.deepEqual(natsProbeOf(servers, ['http', 'nats']), { notNats: http, everyNotNats: false });
  assert.deepEqual(natsProbeOf(servers, ['http', 'unreachable']), { notNats: http, everyNotNats: false });
  assert.deepEqual(natsProbeOf(servers, ['http', 'other']), { notNats: http, everyNotNats: true });
  assert.deepEqual(natsProbeOf(servers, ['tls', 'other']), { notNats: 'b:4222 answered, but not as a NATS server: give the NATS client port (4222 by default), not the monitoring or metrics port', everyNotNats: false });
  assert.deepEqual(natsProbeOf(servers.slice(0, 1), ['http']), { notNats: http, everyNotNats: true });
  assert.deepEqual(natsProbeOf(servers.slice(0, 1), ['silent']), { notNats: undefined, everyNotNats: false });
});

test('a server the client would misread or that is not written for it (a leading zero, a path, query or fragment, another scheme) is refused before dialing, as a config\'s nats.url is, naming it and what to write', async () => {
  // Before: nats://h:04222 dialed 4222, and the path, query or fragment was ignored; http://h:PORT was dialed as h:PORT.
  // Port 1, where nothing listens: without the refusal, the connection fails instead.
  const cases = [
    ['nats://127.0.0.1:01', 'NATS server nats://127.0.0.1:01: the port has a leading zero; write 1'],
    ['nats://127.0.0.1:1,127.0.0.1:1/', 'NATS server 127.0.0.1:1/: "/" after the port is a path, which the NATS client ignores; write 127.0.0.1:1'],
    ['tls://127.0.0.1:1?x=1', 'NATS server tls://127.0.0.1:1?x=1: "?x=1" after the port is a query, which the NATS client ignores; write tls://127.0.0.1:1'],
    ['http://127.0.0.1:1', 'NATS server expected nats://HOST:PORT, got "http://127.0.0.1:1"'],
  ];
  for (const [url, message] of cases) {
    await assert.rejects(connectNats(url!, { name: 'test', timeoutMs: 500 }), { name: 'BusError', message }, url);
  }
});

test('credentials in the URL are sent: user and password, or a token; wrong ones are refused without echoing them', async () => {
  // Before, nats.js ignored them: a server with authentication refused every metatrain connection ("Authorization
  // Violation") whatever the URL held (a trial).
  const withUser = await startNatsServer(['--user', 'alice', '--pass', 'p@ss:w0rd']);
  const withToken = await startNatsServer(['--auth', 's3cret-token']);
  try {
    const host = (s: { port: number }) => `127.0.0.1:${s.port}`;
    const nc = await connectNats(`nats://alice:${encodeURIComponent('p@ss:w0rd')}@${host(withUser)}`, { name: 'auth-test' });
    await nc.flush();
    await nc.close();
    // A host name without a dot: nats.js, given the credentials in the server, read `alice:pw@localhost:PORT` as an
    // IPv6 address and failed with "Invalid URL" (a review).
    const nl = await connectNats(`nats://alice:${encodeURIComponent('p@ss:w0rd')}@localhost:${withUser.port}`, { name: 'auth-test' });
    await nl.flush();
    await nl.close();
    for (const url of [`s3cret-token@${host(withToken)}`, `nats://:s3cret-token@localhost:${withToken.port}`]) {
      const nt = await connectNats(url, { name: 'auth-test' });
      await nt.flush();
      await nt.close();
    }
    await assert.rejects(connectNats(`nats://alice:wrong%zz@${host(withUser)}`, { name: 'auth-test', timeoutMs: 3000 }), {
      message: `NATS server nats://alice:…@${host(withUser)}: its user, password or token holds a % not followed by two hex digits; percent-encode % as %25`,
    });
    await assert.rejects(connectNats(`nats://alice:wrong-pw@${host(withUser)}`, { name: 'auth-test', timeoutMs: 3000 }), (e: Error) => {
      assert.equal(e.message, `cannot connect to NATS at nats://alice:…@${host(withUser)}: Authorization Violation (the server refused the user and password, or the token, in the URL; a … in a URL metatrain printed stands for one to fill in, percent-encoded)`);
      assert.doesNotMatch(e.message, /wrong-pw/);
      return true;
    });
    await assert.rejects(connectNats(`nats://${host(withUser)}`, { name: 'auth-test', timeoutMs: 3000 }), {
      message: `cannot connect to NATS at nats://${host(withUser)}: Authorization Violation (the server requires credentials: give them in the URL, nats://USER:PASSWORD@HOST:PORT or nats://TOKEN@HOST:PORT, percent-encoded)`,
    });
  } finally {
    await Promise.all([withUser.stop(), withToken.stop()]);
  }
});
