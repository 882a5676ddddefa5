import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { tokenMetadata } from '../../src/wire/credentials';
import { metatrainProto, type CoordinatorClient } from '../../src/wire/proto';
import { certificates } from '../support/certificates';
import { sinusoidConfig, startCli, tempDir, waitExit } from '../support/harness';

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
    // No TLS at all, and TLS without a client certificate: no call gets through, and the status says why.
    const plaintext = await status(port, grpc.credentials.createInsecure());
    assert.equal(plaintext?.code, grpc.status.UNAUTHENTICATED);
    assert.match(plaintext.details, /requires TLS/);
    const noClientCert = await status(port, grpc.credentials.createSsl(readFileSync(tls.ca)));
    assert.equal(noClientCert?.code, grpc.status.UNAUTHENTICATED);
    assert.match(noClientCert.details, /client certificate refused/);
    const untrustedClientCert = await status(port, grpc.credentials.createSsl(readFileSync(tls.ca), readFileSync(tls.otherKey), readFileSync(tls.otherCert)));
    assert.equal(untrustedClientCert?.code, grpc.status.UNAUTHENTICATED);
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
