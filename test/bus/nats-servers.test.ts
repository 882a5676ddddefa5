import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NATS_DEFAULT_PORT, natsServersOf, natsUrlProblem, natsUrlShown } from '../../src/bus/nats-servers';

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

test('a port written with a leading zero, and a path, query or fragment after the port, are problems naming the server and what to write', () => {
  // Before: no problem; URL reads 04222 as 4222 and the NATS client ignores what follows the port.
  const [zero, slash, path, query, fragment, hostOnly, secret] = natsServersOf('nats://h:04222,nats://h:4222/,tls://[::1]:4223/p,h:4222?x=1,nats://h:4222#frag,nats://h/,nats://u:s3cret@h:4222?');
  assert.equal(zero!.problem, 'nats://h:04222: the port has a leading zero; write 4222');
  assert.equal(slash!.problem, 'nats://h:4222/: "/" after the port is a path, which the NATS client ignores; write nats://h:4222');
  assert.equal(path!.problem, 'tls://[::1]:4223/p: "/p" after the port is a path, which the NATS client ignores; write tls://[::1]:4223');
  assert.equal(query!.problem, 'h:4222?x=1: "?x=1" after the port is a query, which the NATS client ignores; write h:4222');
  assert.equal(fragment!.problem, 'nats://h:4222#frag: "#frag" after the port is a fragment, which the NATS client ignores; write nats://h:4222');
  assert.equal(hostOnly!.problem, 'nats://h/: "/" after the host is a path, which the NATS client ignores; write nats://h');
  assert.equal(secret!.problem, 'nats://u:…@h:4222?: "?" after the port is a query, which the NATS client ignores; write nats://u:…@h:4222');
  assert.deepEqual(natsServersOf('nats://h:4222,h:10,[::1],nats://u:p@h').map((s) => s.problem), [undefined, undefined, undefined, undefined], 'a plain server is still fine');
});

test('a port above 65535 is said to be, and a server that is no URL has its password shown as … too; a list\'s problem is its first server\'s', () => {
  // Before: 'not a URL: "nats://u:s3cret@h:99999"', the password echoed, and port 99999 not named.
  const [big, broken] = natsServersOf('nats://u:s3cret@h:99999,nats://u:s3cret@[::1');
  assert.equal(big!.problem, "nats://u:…@h:99999: port 99999 is above 65535, the largest TCP port; give the NATS server's client port (4222 by default)");
  assert.equal(broken!.problem, 'not a URL: "nats://u:…@[::1"; expected nats://HOST:PORT (servers of a cluster separated by commas)');
  assert.equal(natsUrlShown('nats://u:s3cret@h:99999, u:pw@h:4222'), 'nats://u:…@h:99999, u:…@h:4222');
  // A token (a user without password) is a secret too: it was shown as written (a trial).
  assert.equal(natsUrlShown('nats://mysecrettoken@h:4222,t0k@h,tls://a:b@h,h:4222'), 'nats://…@h:4222,…@h,tls://a:…@h,h:4222');
  assert.equal(natsUrlShown('nats://SECRET:@h,nats://:pw@h,[::1]:4222,NATS://u:p@[::1]:4222'), 'nats://…@h,nats://:…@h,[::1]:4222,NATS://u:…@[::1]:4222');
  // Unencoded `/` in a password, or servers separated by a space: shown in full before (a trial).
  assert.equal(natsUrlShown('nats://u:SEC/RET@h:4222,nats://u:SECRET@h nats://u:SECRET2@[::1]:4222,nats://TO/KEN@h'), 'nats://u:…@h:4222,nats://u:…@[::1]:4222,nats://…@h');
  assert.match(natsUrlProblem('nats://u:SEC/RET@h:4222')!, /^not a URL: "nats:\/\/u:…@h:4222"|^nats:\/\/u:…@h:4222/);
  assert.equal(natsUrlProblem('nats://a:4222,nats://b:04222,ws://c'), 'nats://b:04222: the port has a leading zero; write 4222');
  assert.equal(natsUrlProblem('nats://a:4222,b'), undefined);
});
