import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TlsFileError } from '../../src/core/errors';
import { channelCredentials } from '../../src/wire/credentials';
import { loadTlsMaterial, MAX_TLS_FILE_BYTES, type TlsFiles } from '../../src/wire/tls-material';
import { certificates } from '../support/certificates';
import { tempDir } from '../support/harness';

const dir = tempDir();
const certs = certificates(dir);
const good: TlsFiles = { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey };
const notPem = join(dir, 'not-pem.txt');
writeFileSync(notPem, 'hello, I am not a certificate\n');
const brokenCert = join(dir, 'broken.pem');
writeFileSync(brokenCert, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
const aDirectory = join(dir, 'a-directory.pem');
mkdirSync(aDirectory);

/** Asserts that loading `files` throws a TlsFileError for `flag` and `file` whose message matches `detail`. */
function refused(files: TlsFiles, flag: string, file: string, detail: RegExp): void {
  assert.throws(
    () => loadTlsMaterial(files),
    (err: unknown) => {
      assert.ok(err instanceof TlsFileError, String(err));
      assert.equal(err.flag, flag);
      assert.equal(err.file, file);
      assert.ok(err.message.startsWith(`${flag} ${file}: `), err.message);
      assert.match(err.message, detail);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    },
  );
}

test('good files load: the PEM bytes of the CA, the certificate and its key', () => {
  const m = loadTlsMaterial(good);
  assert.match(m.ca.toString(), /BEGIN CERTIFICATE/);
  assert.match(m.cert.toString(), /BEGIN CERTIFICATE/);
  assert.match(m.key.toString(), /PRIVATE KEY/);
});

test('a missing file is refused naming its flag and the file', () => {
  const missing = join(dir, 'missing.pem');
  refused({ ...good, caFile: missing }, '--tls-ca', missing, /cannot read it: no such file/);
  refused({ ...good, certFile: missing }, '--tls-cert', missing, /cannot read it: no such file/);
  refused({ ...good, keyFile: missing }, '--tls-key', missing, /cannot read it: no such file/);
});

test('a directory, a device or a file over 1 MiB is refused at once naming its flag and the file', () => {
  // Before: --tls-ca /dev/zero was read until memory ran out.
  refused({ ...good, keyFile: aDirectory }, '--tls-key', aDirectory, /: not a regular file but a directory: give a PEM file$/);
  refused({ ...good, caFile: '/dev/zero' }, '--tls-ca', '/dev/zero', /^--tls-ca \/dev\/zero: not a regular file but a character device: give a PEM file$/);
  const big = join(dir, 'big.pem');
  writeFileSync(big, Buffer.alloc(MAX_TLS_FILE_BYTES + 1, 'A'));
  refused({ ...good, certFile: big }, '--tls-cert', big, /: 1048577 bytes, more than the 1048576 bytes \(1 MiB\) allowed: a PEM certificate or key is a few KB/);
});

test('a file that is not PEM is refused naming its flag and the file', () => {
  refused({ ...good, caFile: notPem }, '--tls-ca', notPem, /not a PEM file/);
  refused({ ...good, certFile: notPem }, '--tls-cert', notPem, /not a PEM file/);
  refused({ ...good, keyFile: notPem }, '--tls-key', notPem, /not a PEM file/);
});

test('a PEM block that does not parse as a certificate is refused', () => {
  refused({ ...good, certFile: brokenCert }, '--tls-cert', brokenCert, /not a valid PEM certificate/);
});

test('a certificate given where the key belongs, or a key where a certificate belongs, is refused', () => {
  refused({ ...good, keyFile: certs.clientCert }, '--tls-key', certs.clientCert, /holds a certificate, not a private key/);
  refused({ ...good, certFile: certs.clientKey }, '--tls-cert', certs.clientKey, /holds a private key .*not a certificate/);
  refused({ ...good, caFile: certs.clientKey }, '--tls-ca', certs.clientKey, /holds a private key .*not a certificate/);
});

test('a key that does not belong to the certificate is refused, naming both files', () => {
  refused({ ...good, keyFile: certs.serverKey }, '--tls-key', certs.serverKey, new RegExp(`does not belong to the certificate --tls-cert ${certs.clientCert}`));
});

test('channel credentials (worker, watch) are built through the same checks', () => {
  assert.throws(() => channelCredentials({ ...good, keyFile: certs.serverKey }), TlsFileError);
  assert.ok(channelCredentials(good));
});
