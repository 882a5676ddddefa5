/**
 * Bad `--tls-ca/--tls-cert/--tls-key` files are refused up front by `metatrain worker`, `coordinator` and `watch`:
 * exit 1 with one line naming the flag, the file and what is wrong, no stack trace, and no retrying.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificates } from '../support/certificates';
import { freePort, runCli, sinusoidConfig, tempDir, writeConfig, type CliResult } from '../support/harness';

const TOKEN = { METATRAIN_TOKEN: 'tls-files-token' };
const dir = tempDir();
const certs = certificates(dir);
const notPem = join(dir, 'notes.txt');
writeFileSync(notPem, 'not a certificate\n');

/** Asserts a prompt exit 1 whose stderr is exactly the one line `metatrain: <flag> <file>: <detail>`. */
function refusedWith(r: CliResult, flag: string, file: string, detail: RegExp): void {
  assert.equal(r.code, 1, `exit ${r.code} (${r.signal}); stderr:\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.startsWith(`metatrain: ${flag} ${file}: `), r.stderr);
  assert.match(lines[0]!, detail);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('metatrain worker refuses a certificate given as its key, and a CA file that is not PEM, without retrying', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const asKey = await runCli(['worker', '--coordinator', address, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientCert], TOKEN, 30_000);
  refusedWith(asKey, '--tls-key', certs.clientCert, /holds a certificate, not a private key/);
  const badCa = await runCli(['worker', '--coordinator', address, '--tls-ca', notPem, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey], TOKEN, 30_000);
  refusedWith(badCa, '--tls-ca', notPem, /not a PEM file/);
});

test('metatrain coordinator refuses a key that does not belong to its certificate', async () => {
  const config = writeConfig(dir, sinusoidConfig(dir));
  const address = `127.0.0.1:${await freePort()}`;
  const r = await runCli(['coordinator', '--config', config, '--listen', address, '--tls-ca', certs.ca, '--tls-cert', certs.serverCert, '--tls-key', certs.clientKey], TOKEN, 30_000);
  refusedWith(r, '--tls-key', certs.clientKey, new RegExp(`does not belong to the certificate --tls-cert ${certs.serverCert}`));
});

test('metatrain watch refuses a missing CA file', async () => {
  const missing = join(dir, 'no-such-ca.pem');
  const r = await runCli(['watch', 'test-run', '--coordinator', `127.0.0.1:${await freePort()}`, '--tls-ca', missing, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey], TOKEN, 30_000);
  refusedWith(r, '--tls-ca', missing, /cannot read it: no such file/);
});
