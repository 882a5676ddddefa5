import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NATS_DEFAULT_PORT, natsServersOf } from '../../src/bus/nats-servers';

test('a nats.url server list is read once, as the NATS client reads it: scheme or not, 4222 where no port, IPv6 unbracketed to dial', () => {
  const servers = natsServersOf('nats://a:5222, b ,tls://[::1]:4223,c:7');
  assert.deepEqual(servers.map((s) => s.address), [
    { host: 'a', port: 5222, shown: 'a:5222' },
    { host: 'b', port: NATS_DEFAULT_PORT, shown: 'b:4222' },
    { host: '::1', port: 4223, shown: '[::1]:4223' },
    { host: 'c', port: 7, shown: 'c:7' },
  ]);
  assert.deepEqual(servers.map((s) => s.problem), [undefined, undefined, undefined, undefined]);
  assert.deepEqual(servers.map((s) => s.text), ['nats://a:5222', 'b', 'tls://[::1]:4223', 'c:7']);
});

test('a server the NATS client cannot use has its problem, and still its address when it names one (the probe of what answers there)', () => {
  const [http, ws, zero, empty, bad] = natsServersOf('http://h:8222,ws://w:80,nats://z:0,,nats://a b');
  assert.deepEqual(http!.address, { host: 'h', port: 8222, shown: 'h:8222' });
  assert.equal(http!.problem, 'expected nats://HOST:PORT, got "http://h:8222"');
  assert.match(ws!.problem!, /^ws:\/\/w:80: .* refuses ws:\/\/ \(WebSocket\)/);
  assert.match(zero!.problem!, /^nats:\/\/z:0 names port 0/);
  assert.equal(empty!.address, undefined);
  assert.match(empty!.problem!, /names no host/);
  assert.equal(bad!.url, undefined);
  assert.match(bad!.problem!, /^not a URL: "nats:\/\/a b"/);
  const [secret] = natsServersOf('http://u:s3cret@h:1');
  assert.doesNotMatch(secret!.problem!, /s3cret/, 'a password is not echoed');
});
