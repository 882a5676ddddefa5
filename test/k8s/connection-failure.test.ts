import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parse, stringify } from 'yaml';
import { KubernetesError } from '../../src/core/errors';
import { connectCluster } from '../../src/k8s/cluster';
import { runStatus } from '../../src/k8s/status';
import { certificates, certificateValidBetween } from '../support/certificates';
import { tempDir } from '../support/harness';
import { writeKubeconfig } from './stub/kubeconfig';

/** Listens on a free port of 127.0.0.1; returns the port and a close function. */
async function listen(server: Server): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

/** An API discovery answer, so that only the connection can fail. */
const answer = (_req: unknown, res: import('node:http').ServerResponse) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"APIResourceList","resources":[]}');

/** The KubernetesError runStatus rejects with for the kubeconfig `kubeconfig`. */
async function statusError(kubeconfig: string): Promise<KubernetesError> {
  const e = await runStatus(connectCluster({ kubeconfig }), 'sotu-maml').then(
    () => assert.fail('status succeeded'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof KubernetesError, String(e));
  return e;
}

// Before, each of these was "URL is not a Kubernetes API server (GET /api/v1 answered what is not an API answer: …).
// Check the server of context …", though no server had answered.

test('an API server whose TLS certificate is not trusted is named as such, with the kubeconfig fields to set', async () => {
  const certs = certificates(tempDir());
  const server = await listen(createHttpsServer({ cert: readFileSync(certs.otherCert), key: readFileSync(certs.otherKey) }, answer) as unknown as Server);
  try {
    const url = `https://127.0.0.1:${server.port}`;
    const e = await statusError(writeKubeconfig(url, 'token'));
    assert.equal(e.reason, 'TlsUntrusted');
    assert.match(e.message, new RegExp(`^cannot talk to the Kubernetes API server at ${url.replace(/[.:/]/g, '\\$&')} \\(context "stub"\\): its TLS certificate is not trusted \\(self-signed certificate\\)\\. Set certificate-authority \\(a PEM file\\) or certificate-authority-data`));
  } finally {
    await server.close();
  }
});

test('an API server certificate that has expired or is not valid yet is said so, with the clock and renewal to check', async () => {
  // Before: "its TLS certificate is not trusted (certificate has expired). Set certificate-authority …", though it was.
  const dir = tempDir();
  const certs = certificates(dir);
  const cases = [
    ['20200101000000Z', '20200102000000Z', 'has expired \\(certificate has expired\\)'],
    ['20990101000000Z', '20991231000000Z', 'is not valid yet \\(certificate is not yet valid\\)'],
  ] as const;
  for (const [start, end, said] of cases) {
    const dated = certificateValidBetween(dir, certs, start, end);
    const server = await listen(createHttpsServer({ cert: readFileSync(dated.cert), key: readFileSync(dated.key) }, answer) as unknown as Server);
    try {
      const kubeconfig = writeKubeconfig(`https://127.0.0.1:${server.port}`, 'token');
      const config = parse(readFileSync(kubeconfig, 'utf8'));
      config.clusters[0].cluster['certificate-authority'] = certs.ca;
      writeFileSync(kubeconfig, stringify(config));
      const e = await statusError(kubeconfig);
      assert.equal(e.reason, 'TlsOutOfDate', e.message);
      assert.match(e.message, new RegExp(`\\(context "stub"\\): its TLS certificate \\(or one of its chain\\) ${said}\\. Check that this machine's clock is right \\(date\\); if it is, the cluster's certificates need renewing`));
      assert.doesNotMatch(e.message, /not trusted|certificate-authority/);
    } finally {
      await server.close();
    }
  }
});

test('https:// at a port that speaks plain HTTP says to use http://', async () => {
  const server = await listen(createHttpServer(answer));
  try {
    const e = await statusError(writeKubeconfig(`https://127.0.0.1:${server.port}`, 'token'));
    assert.equal(e.reason, 'PlainHttp');
    assert.match(e.message, /\(context "stub"\): the server speaks plain HTTP, not HTTPS: use http:\/\/ in the server URL of the kubeconfig/);
  } finally {
    await server.close();
  }
});

test('a credential plugin that is not installed is named', async () => {
  const server = await listen(createHttpServer(answer));
  try {
    const file = writeKubeconfig(`http://127.0.0.1:${server.port}`, 'token');
    const config = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    config['users'][0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'metatrain-no-such-plugin' } };
    writeFileSync(file, stringify(config));
    const e = await statusError(file);
    assert.equal(e.reason, 'CredentialPlugin');
    assert.match(e.message, /\(context "stub"\): credential plugin metatrain-no-such-plugin not found: the user of the context runs it to get a token \(exec\.command in the kubeconfig\)\. Install it and put it on PATH/);
  } finally {
    await server.close();
  }
});

test('a server URL that is not an http(s) URL is refused when connecting, naming it', () => {
  for (const server of ['127.0.0.1:6443', 'ftp://127.0.0.1:21', 'http://[::1']) {
    const file = writeKubeconfig(server, 'token');
    assert.throws(() => connectCluster({ kubeconfig: file }), (e: unknown) => {
      assert.ok(e instanceof KubernetesError && e.reason === 'NoConfig', String(e));
      assert.equal(e.message, `the server URL ${JSON.stringify(server)} of context "stub" (${file}) is not an http(s) URL: write it as https://HOST:PORT (or http:// for \`kubectl proxy\`), as \`kubectl cluster-info\` shows it.`);
      return true;
    });
  }
});
