/** Test certificates for mutual TLS, made with the openssl command line. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the PEM files {@link certificates} writes. */
export type Certificates = Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCert' | 'otherKey', string>;

/**
 * Writes into `dir` a CA, a server certificate for localhost / 127.0.0.1 and a client certificate signed by it,
 * and a self-signed `other` certificate no one trusts (RSA 2048, valid one day).
 */
export function certificates(dir: string): Certificates {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=metatrain-test-ca');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('other.key'), '-out', f('other.pem'), '-days', '1', '-subj', '/CN=untrusted');
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.pem`), '-days', '1', ...(who === 'server' ? ['-extfile', f('server.ext')] : []));
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key'), otherCert: f('other.pem'), otherKey: f('other.key') };
}

/**
 * Writes into `dir` a server certificate for 127.0.0.1 signed by the CA of `certs` ({@link certificates}) and valid
 * only from `start` to `end` (`YYYYMMDDHHMMSSZ`), to test one that has expired or is not valid yet; its PEM paths.
 */
export function certificateValidBetween(dir: string, certs: Certificates, start: string, end: string): { cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const name = `dated-${start}`;
  writeFileSync(f(`${name}.cnf`), `[ca]\ndefault_ca=d\n[d]\ndatabase=${f(`${name}.index`)}\nnew_certs_dir=${dir}\nserial=${f(`${name}.serial`)}\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n`);
  writeFileSync(f(`${name}.index`), '');
  writeFileSync(f(`${name}.serial`), '01\n');
  writeFileSync(f(`${name}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', '/CN=server');
  ssl('ca', '-batch', '-config', f(`${name}.cnf`), '-keyfile', certs.ca.replace(/ca\.pem$/, 'ca.key'), '-cert', certs.ca, '-in', f(`${name}.csr`), '-out', f(`${name}.pem`), '-startdate', start, '-enddate', end, '-notext', '-extfile', f(`${name}.ext`));
  return { cert: f(`${name}.pem`), key: f(`${name}.key`) };
}
