import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import type { TlsFiles } from '../../src/wire/credentials';
import { tokenMetadata } from '../../src/wire/credentials';
import { metatrainProto, type CoordinatorClient } from '../../src/wire/proto';
import { tlsMismatch } from '../../src/worker/connection-error';
import { certificates, type Certificates } from '../support/certificates';
import { freePort, sinusoidConfig, startCli, tempDir, waitExit } from '../support/harness';

const TOKEN = 'mismatch-token';

/** A coordinator (not running a run) with its log in `dir/c.log`; `tls` = mutual TLS with the test certificates. */
async function coordinatorAt(dir: string, tls: TlsFiles | undefined): Promise<{ port: number; log: () => string; close: () => Promise<void> }> {
  const config = parseRunConfig(sinusoidConfig(dir));
  const logFile = join(dir, `c-${tls ? 'tls' : 'plain'}.log`);
  const coordinator = new Coordinator({ config, token: TOKEN, resume: false, tls, log: createLogger('coordinator', logFile) });
  const port = await coordinator.start('127.0.0.1:0');
  return { port, log: () => readFileSync(logFile, 'utf8'), close: () => coordinator.close() };
}

function serverTls(c: Certificates): TlsFiles {
  return { caFile: c.ca, certFile: c.serverCert, keyFile: c.serverKey };
}

/** Starts `metatrain worker` against `port` with `args` and waits (at most 30 s) for it to exit. */
async function workerExit(port: number, args: string[]) {
  const worker = startCli(['worker', '--coordinator', `localhost:${port}`, '--max-backoff-ms', '300', ...args], { METATRAIN_TOKEN: TOKEN });
  return waitExit(worker, 30_000);
}

test('a plaintext worker at a TLS coordinator gives up (exit 1) naming the fix; the coordinator logs the refused connection', async () => {
  const dir = tempDir();
  const c = await coordinatorAt(dir, serverTls(certificates(dir)));
  try {
    const r = await workerExit(c.port, []);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /requires TLS.*--tls-ca, --tls-cert and --tls-key/);
    assert.match(c.log(), /refused a plaintext connection: this coordinator requires TLS/);
  } finally {
    await c.close();
  }
});

test('a TLS worker at a plaintext coordinator gives up (exit 1) naming the fix; the coordinator logs the refused connection', async () => {
  const dir = tempDir();
  const certs = certificates(dir);
  const c = await coordinatorAt(dir, undefined);
  try {
    const r = await workerExit(c.port, ['--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /TLS handshake with the coordinator at localhost:\d+ failed \(.*wrong version number.*\): the coordinator does not speak TLS/);
    assert.match(c.log(), /refused a TLS connection: this coordinator is plaintext/);
  } finally {
    await c.close();
  }
});

test("a worker that does not trust the coordinator's certificate gives up (exit 1); the coordinator logs the failed handshake", async () => {
  const dir = tempDir();
  const certs = certificates(dir);
  const c = await coordinatorAt(dir, serverTls(certs));
  try {
    const r = await workerExit(c.port, ['--tls-ca', certs.otherCert, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /does not trust the coordinator's certificate/);
    assert.match(c.log(), /TLS handshake with a worker failed/);
  } finally {
    await c.close();
  }
});

test('a worker with a client certificate the CA did not sign gives up (exit 1); the coordinator logs the refused certificate', async () => {
  const dir = tempDir();
  const certs = certificates(dir);
  const c = await coordinatorAt(dir, serverTls(certs));
  try {
    const r = await workerExit(c.port, ['--tls-ca', certs.ca, '--tls-cert', certs.otherCert, '--tls-key', certs.otherKey]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /client certificate refused \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    assert.match(c.log(), /refused a worker's client certificate/);
  } finally {
    await c.close();
  }
});

test('refused GetStatus and GetParameters calls are logged with the reason, one line per kind however often they come', async () => {
  const dir = tempDir();
  const c = await coordinatorAt(dir, undefined);
  const Client = metatrainProto().Coordinator;
  const client = new Client(`127.0.0.1:${c.port}`, grpc.credentials.createInsecure()) as unknown as CoordinatorClient;
  try {
    for (let i = 0; i < 5; i++) {
      const err = await new Promise<grpc.ServiceError | null>((resolve) => client.GetStatus({}, tokenMetadata('wrong'), { deadline: Date.now() + 5000 }, (e) => resolve(e)));
      assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
      const code = await new Promise<number | undefined>((resolve) => {
        const call = client.GetParameters({ version: 'meta/0' }, new grpc.Metadata(), { deadline: Date.now() + 5000 });
        call.on('error', (e: grpc.ServiceError) => resolve(e.code));
        call.on('data', () => undefined);
        call.on('end', () => resolve(undefined));
      });
      assert.equal(code, grpc.status.UNAUTHENTICATED);
    }
    const lines = c.log().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; reason?: string; method?: string });
    const status = lines.filter((l) => l.msg === 'refused a GetStatus call: UNAUTHENTICATED');
    const params = lines.filter((l) => l.msg === 'refused a GetParameters call: UNAUTHENTICATED');
    assert.deepEqual(status.map((l) => l.reason), ['wrong run token']);
    assert.deepEqual(params.map((l) => l.reason), ['no run token presented']);
  } finally {
    client.close();
    await c.close();
  }
});

test('a coordinator that is down is not a TLS mismatch: the worker keeps retrying', async () => {
  const port = await freePort();
  const Client = metatrainProto().Coordinator;
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as CoordinatorClient;
  const err = await new Promise<grpc.ServiceError | null>((resolve) => client.GetStatus({}, tokenMetadata(TOKEN), { deadline: Date.now() + 5000 }, (e) => resolve(e)));
  client.close();
  assert.equal(err?.code, grpc.status.UNAVAILABLE);
  assert.equal(tlsMismatch(err, `127.0.0.1:${port}`), undefined);
});

test("the mismatch message keeps OpenSSL's reason without grpc-js's resolution note and timestamp", () => {
  const details = 'No connection established. Last error: Error: self-signed certificate in certificate chain (2026-12-05T21:40:00.000Z). Resolution note: ';
  const err = tlsMismatch({ code: grpc.status.UNAVAILABLE, details }, '127.0.0.1:7070');
  assert.equal(err?.message, "TLS handshake with the coordinator at 127.0.0.1:7070 failed (self-signed certificate in certificate chain): the worker does not trust the coordinator's certificate: --tls-ca must be the CA that signed it, and the certificate must name the host the worker dials");
});
