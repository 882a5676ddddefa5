import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { tokenMetadata } from '../../src/wire/credentials';
import { metatrainProto, type CoordinatorClient } from '../../src/wire/proto';
import { sinusoidConfig, startCli, tempDir, waitExit } from '../support/harness';

/** A CA and a server and a client certificate signed by it (openssl, RSA 2048, valid one day). */
function certificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=metatrain-test-ca');
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.pem`), '-days', '1', ...(who === 'server' ? ['-extfile', f('server.ext')] : []));
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

function status(port: number, credentials: grpc.ChannelCredentials): Promise<grpc.ServiceError | null> {
  const Client = metatrainProto().Coordinator;
  const c = new Client(`127.0.0.1:${port}`, credentials) as unknown as CoordinatorClient;
  return new Promise((resolve) => c.GetStatus({}, tokenMetadata('tls-token'), { deadline: Date.now() + 5000 }, (err) => resolve(err)));
}

test('with certificates configured, a worker with a client certificate joins and peers without one are refused', async () => {
  const dir = tempDir();
  const tls = certificates(dir);
  const config = parseRunConfig(sinusoidConfig(dir, { training: { maxSteps: 4, evalEverySteps: 4, checkpointEverySteps: 4 } }));
  const coordinator = new Coordinator({ config, token: 'tls-token', resume: false, tls: { caFile: tls.ca, certFile: tls.serverCert, keyFile: tls.serverKey }, log: createLogger('coordinator', join(dir, 'c.log')) });
  const port = await coordinator.start('127.0.0.1:0');
  try {
    // No TLS at all, and TLS without a client certificate: the handshake fails, no call gets through.
    const plaintext = await status(port, grpc.credentials.createInsecure());
    assert.equal(plaintext?.code, grpc.status.UNAVAILABLE);
    const noClientCert = await status(port, grpc.credentials.createSsl(readFileSync(tls.ca)));
    assert.equal(noClientCert?.code, grpc.status.UNAVAILABLE);
    assert.equal(coordinator.dispatcher.workerCount, 0);
    // The right client certificate and token: the worker joins and the run completes.
    const worker = startCli(['worker', '--coordinator', `localhost:${port}`, '--tls-ca', tls.ca, '--tls-cert', tls.clientCert, '--tls-key', tls.clientKey], { METATRAIN_TOKEN: 'tls-token' });
    try {
      const summary = await coordinator.run();
      assert.equal(summary.steps, 4);
    } finally {
      worker.kill('SIGTERM');
      await waitExit(worker);
    }
    // With a certificate but a wrong token: UNAUTHENTICATED.
    const wrongToken = await new Promise<grpc.ServiceError | null>((resolve) => {
      const Client = metatrainProto().Coordinator;
      const c = new Client(`localhost:${port}`, grpc.credentials.createSsl(readFileSync(tls.ca), readFileSync(tls.clientKey), readFileSync(tls.clientCert))) as unknown as CoordinatorClient;
      c.GetStatus({}, tokenMetadata('wrong'), { deadline: Date.now() + 5000 }, (err) => resolve(err));
    });
    assert.equal(wrongToken?.code, grpc.status.UNAUTHENTICATED);
  } finally {
    await coordinator.close();
  }
});
