import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KubernetesError } from '../../src/core/errors';
import { connectCluster } from '../../src/k8s/cluster';
import { launchRun } from '../../src/k8s/launch';
import { scaleWorkers } from '../../src/k8s/scale';
import { runStatus } from '../../src/k8s/status';
import { stopRun } from '../../src/k8s/stop';
import { runCli } from '../support/harness';
import { writeKubeconfig } from './stub/kubeconfig';
import { join } from 'node:path';
import { exampleConfig, repoRoot } from './stub/harness';

/** An HTML page as `python3 -m http.server` sends for a missing file (long enough to flood a terminal). */
const PAGE = `<!DOCTYPE HTML>\n<html lang="en">\n<head><title>Error response</title></head>\n<body>\n<h1>Error response</h1>\n<p>Error code: 404</p>\n<p>Message: File not found.</p>\n${'<p>padding</p>\n'.repeat(40)}</body>\n</html>\n`;

/** A web server that is no API server: every path answers `status` with an HTML page. */
async function webServer(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createHttpServer((_req, res) => res.writeHead(status, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const commands = {
  launch: (c: ReturnType<typeof connectCluster>) => launchRun(c, exampleConfig()),
  status: (c: ReturnType<typeof connectCluster>) => runStatus(c, 'sotu-maml'),
  scale: (c: ReturnType<typeof connectCluster>) => scaleWorkers(c, 'sotu-maml', 2),
  stop: (c: ReturnType<typeof connectCluster>) => stopRun(c, 'sotu-maml'),
  'stop --delete-data': (c: ReturnType<typeof connectCluster>) => stopRun(c, 'sotu-maml', { deleteData: true }),
};

test('every cluster command says a server answering 404 pages is not a Kubernetes API server, quoting only a short excerpt', async () => {
  // Before: stop printed "no objects of run sotu-maml … nothing to stop" and succeeded; status and scale said
  // "not found: Deployment … Check the run name" followed by the whole HTML page.
  const web = await webServer(404);
  try {
    const kubeconfig = writeKubeconfig(web.url, 'token');
    for (const [name, command] of Object.entries(commands)) {
      await assert.rejects(command(connectCluster({ kubeconfig })), (e: unknown) => {
        assert.ok(e instanceof KubernetesError && e.reason === 'NotApiServer', `${name}: ${String(e)}`);
        assert.ok(e.message.startsWith(`${web.url} is not a Kubernetes API server (GET /api/v1 answered HTTP 404 without a Kubernetes Status: "Error response Error code: 404 Message: File not found. padding`), `${name}: ${e.message}`);
        assert.ok(!e.message.includes('<') && e.message.length < 500, `${name}: no HTML page in ${e.message}`);
        return true;
      });
    }
  } finally {
    await web.close();
  }
});

test('a server answering 200 HTML pages for every path is not a Kubernetes API server either', async () => {
  const web = await webServer(200);
  try {
    const cluster = connectCluster({ kubeconfig: writeKubeconfig(web.url, 'token') });
    await assert.rejects(runStatus(cluster, 'sotu-maml'), (e: unknown) => {
      assert.ok(e instanceof KubernetesError, String(e));
      assert.equal(e.message, `${web.url} is not a Kubernetes API server (GET /api/v1 answered HTTP 200, text/html: "Error response Error code: 404 Message: File not found. ${'padding '.repeat(8)}…", not an APIResourceList). Check the server of context "stub" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it.`);
      return true;
    });
  } finally {
    await web.close();
  }
});

test('a server sending the APIResourceList as application/octet-stream is said to answer with that Content-Type, not application/json', async () => {
  // Before: '… answered what is not an API answer: The mediaType application/octet-stream is not supported by ObjectSerializer.parse.'
  const server: Server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('{"kind":"APIResourceList","groupVersion":"v1","resources":[]}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(runStatus(connectCluster({ kubeconfig: writeKubeconfig(url, 'token') }), 'sotu-maml'), (e: unknown) => {
      assert.ok(e instanceof KubernetesError, String(e));
      assert.equal(e.message, `${url} is not a Kubernetes API server (GET /api/v1 answered with Content-Type application/octet-stream, not application/json). Check the server of context "stub" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it.`);
      return true;
    });
  } finally {
    await new Promise((r) => server.close(() => r(undefined)));
  }
});

test('a kubeconfig server at the NATS port is said not to speak HTTP, and to look like a NATS server', async () => {
  // Before: '… answered what is not an API answer: request to http://127.0.0.1:4222/api/v1 failed, reason: Parse Error: Expected HTTP/, RTSP/ or ICE/'
  const url = 'http://127.0.0.1:4222';
  const r = await runCli(['status', 'sotu-maml', '--kubeconfig', writeKubeconfig(url, 'token')], {}, 20_000);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr, `metatrain: ${url} is not a Kubernetes API server: it does not speak HTTP (it looks like a NATS server: INFO {…). Check the server of context "stub" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it.\n`);
});

test('metatrain stop against a web server exits 1 with the not-an-API-server message, not "nothing to stop"', async () => {
  const web = await webServer(404);
  try {
    const r = await runCli(['stop', 'sotu-maml', '--delete-data', '--kubeconfig', writeKubeconfig(web.url, 'token')], {}, 20_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`${web.url.replace(/[.:/]/g, '\\$&')} is not a Kubernetes API server \\(GET /api/v1 answered HTTP 404`));
    assert.ok(!r.stderr.includes('<html'), r.stderr);
  } finally {
    await web.close();
  }
});

test('a server that accepts connections and never answers fails each command after the request timeout, naming the server', async () => {
  // Before: status, scale, stop and launch waited for ever.
  const sockets = new Set<Socket>();
  const silent = createTcpServer((s) => void sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const kubeconfig = writeKubeconfig(url, 'token');
    for (const [name, command] of Object.entries(commands)) {
      const started = Date.now();
      await assert.rejects(command(connectCluster({ kubeconfig, requestTimeoutMs: 300 })), (e: unknown) => {
        assert.ok(e instanceof KubernetesError, `${name}: ${String(e)}`);
        assert.equal(e.message, `cannot reach the Kubernetes API server at ${url} (context "stub"): no answer within 0.3 s (--request-timeout) (ETIMEDOUT). Check --context and that the cluster is up.`, name);
        return true;
      });
      assert.ok(Date.now() - started < 5000, `${name} gave up within the timeout`);
    }
    const r = await runCli(['status', 'sotu-maml', '--request-timeout', '1', '--kubeconfig', kubeconfig], {}, 20_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ \(context "stub"\): no answer within 1 s \(--request-timeout\) \(ETIMEDOUT\)/);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('a server that sends the headers of an answer, then stops, is reported as an answer that stopped, not as no answer', async () => {
  const server: Server = createHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' }).write('{"kind":'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(commands.status(connectCluster({ kubeconfig: writeKubeconfig(url, 'token'), requestTimeoutMs: 300 })), (e: unknown) => {
      assert.ok(e instanceof KubernetesError, String(e));
      assert.match(e.message, /at http:\/\/127\.0\.0\.1:\d+ \(context "stub"\): an answer \(HTTP 200\) that stopped before its end: no whole answer within 0\.3 s \(--request-timeout\)/);
      return true;
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('--namespace of every cluster command must be a DNS label, as kubernetes.namespace of the config', async () => {
  // Before: only the config's namespace was checked; -n "x y/z" went into request paths.
  for (const args of [['launch', join(repoRoot(), 'examples', 'k8s-run.yaml'), '--dry-run'], ['status', 'sotu-maml'], ['scale', 'sotu-maml', '--workers', '2'], ['stop', 'sotu-maml']]) {
    for (const ns of args[0] === 'launch' ? ['x y/z', 'Bad_NS'] : ['x y/z']) {
      const r = await runCli([...args, '-n', ns], {}, 20_000);
      assert.equal(r.code, 1, `${args[0]} -n ${ns}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.startsWith(`error: option '-n, --namespace <name>' argument '${ns}' is invalid. a namespace must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 63 characters, got ${JSON.stringify(ns)}\n`), r.stderr);
    }
  }
});
