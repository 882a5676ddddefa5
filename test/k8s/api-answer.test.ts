import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubernetesError } from '../../src/core/errors';
import { connectCluster } from '../../src/k8s/cluster';
import { scaleWorkers } from '../../src/k8s/scale';
import { runStatus } from '../../src/k8s/status';
import { stopRun } from '../../src/k8s/stop';
import { runCli } from '../support/harness';
import { writeKubeconfig } from './stub/kubeconfig';

/** What the server answers to every request but `GET /api/v1`: content type and body. */
const ANSWERS = { 'text/plain': 'ok', 'text/html': '<html><body><p>hello</p></body></html>', 'application/json': '{}' } as const;

/**
 * A server that passes the discovery check (`GET /api/v1` is an APIResourceList) and answers every other request
 * with HTTP 200 and `body` of `type`.
 */
async function halfApiServer(type: keyof typeof ANSWERS): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/api/v1') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"APIResourceList","groupVersion":"v1","resources":[]}');
    res.writeHead(200, { 'content-type': type }).end(ANSWERS[type]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const commands = {
  scale: ['GET /apis/apps/v1/namespaces/metatrain/deployments/sotu-maml-worker/scale', (c: ReturnType<typeof connectCluster>) => scaleWorkers(c, 'sotu-maml', 2)],
  status: ['GET /apis/apps/v1/namespaces/metatrain/deployments/sotu-maml-worker', (c: ReturnType<typeof connectCluster>) => runStatus(c, 'sotu-maml')],
  stop: ['GET /apis/apps/v1', (c: ReturnType<typeof connectCluster>) => stopRun(c, 'sotu-maml')],
} as const;

test('status, scale and stop name the request a server answered with something that is not a Kubernetes API object', async () => {
  // Before: scale printed "scaled the workers … from 0 to 2" and succeeded; status failed with "Cannot read
  // properties of undefined (reading 'filter')"; stop with "cannot reach the Kubernetes API server … (reading 'find')".
  for (const type of Object.keys(ANSWERS) as Array<keyof typeof ANSWERS>) {
    const web = await halfApiServer(type);
    try {
      const kubeconfig = writeKubeconfig(web.url, 'token');
      for (const [name, [request, command]] of Object.entries(commands)) {
        await assert.rejects(command(connectCluster({ kubeconfig })), (e: unknown) => {
          assert.ok(e instanceof KubernetesError && e.reason === 'NotApiAnswer', `${name} ${type}: ${String(e)}`);
          const excerpt = type === 'text/html' ? '"hello"' : JSON.stringify(ANSWERS[type]);
          assert.equal(
            e.message,
            `the API server's answer to ${request} was not a Kubernetes API object (HTTP 200, ${type}: ${excerpt}): the server at ${web.url} answers in place of a Kubernetes API server. Check the server of context "stub" in the kubeconfig (--kubeconfig, --context): it must be the API server's URL, as \`kubectl cluster-info\` shows it, not a proxy or web server in front of it.`,
            `${name} ${type}`,
          );
          return true;
        });
      }
    } finally {
      await web.close();
    }
  }
});

test('metatrain scale against a server that answers 200 text/plain exits 1 and does not say it scaled', async () => {
  const web = await halfApiServer('text/plain');
  try {
    const r = await runCli(['scale', 'sotu-maml', '--workers', '2', '--kubeconfig', writeKubeconfig(web.url, 'token')], {}, 20_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /the API server's answer to GET \/apis\/apps\/v1\/namespaces\/metatrain\/deployments\/sotu-maml-worker\/scale was not a Kubernetes API object \(HTTP 200, text\/plain: "ok"\)/);
  } finally {
    await web.close();
  }
});

test('status, scale and stop name the request a server answered with an API object of another kind, and the kind asked for', async () => {
  // Before: scale printed "scaled the workers … from 0 to 2" and succeeded; status failed with "Cannot read
  // properties of undefined (reading 'filter')" or, for a DeploymentList, showed "0 ready / 0 desired"; stop with
  // "cannot reach the Kubernetes API server … (reading 'find')".
  const wrong = { Foo: '{"kind":"Foo","apiVersion":"v1","metadata":{}}', DeploymentList: '{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{},"items":[]}' };
  const expected = { scale: 'a Scale', status: 'a Deployment', stop: 'an APIResourceList' };
  for (const [got, body] of Object.entries(wrong)) {
    const server: Server = createServer((req, res) => {
      if (req.url?.split('?')[0] === '/api/v1') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"APIResourceList","groupVersion":"v1","resources":[]}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const kubeconfig = writeKubeconfig(url, 'token');
      for (const [name, [request, command]] of Object.entries(commands)) {
        await assert.rejects(command(connectCluster({ kubeconfig })), (e: unknown) => {
          assert.ok(e instanceof KubernetesError && e.reason === 'NotApiAnswer', `${name} ${got}: ${String(e)}`);
          assert.match(e.message, new RegExp(`^the API server's answer to ${request} was an? ${got}, not ${expected[name as keyof typeof expected]}: the server at ${url} answers in place`), `${name} ${got}`);
          return true;
        });
      }
      const r = await runCli(['scale', 'sotu-maml', '--workers', '2', '--kubeconfig', kubeconfig], {}, 20_000);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(r.stdout, '');
    } finally {
      await new Promise((r) => server.close(() => r(undefined)));
    }
  }
});
