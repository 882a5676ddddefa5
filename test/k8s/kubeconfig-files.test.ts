import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { connectCluster } from '../../src/k8s/cluster';
import { certificates } from '../support/certificates';
import { runCli, startCli, tempDir, waitExit } from '../support/harness';
import { startApiServerStub } from './stub/api-server-stub';
import { writeKubeconfig } from './stub/kubeconfig';

const ADVICE = 'Pass --kubeconfig FILE or set KUBECONFIG.';
/** When KUBECONFIG names the kubeconfig: it is set, so not to set it. Before: ADVICE ("… or set KUBECONFIG") here too. */
const ENV_ADVICE = 'Fix KUBECONFIG or pass --kubeconfig FILE.';

/** What assert.throws expects of a kubeconfig refused with `message`. */
const refused = (message: string) => ({ name: 'KubernetesError', reason: 'NoConfig', message });

/** Runs `fn` with the environment variables `vars` set, then puts them back as they were. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** A kubeconfig of one cluster `a` (current context `a`), with `change` applied to it, written to a new file in a new folder `dir`. */
function kubeconfigFile(change: (config: Record<string, any>, dir: string) => void = () => undefined): string {
  const dir = tempDir('metatrain-kubeconfig-');
  const config: Record<string, any> = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'a', cluster: { server: 'http://127.0.0.1:9' } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }],
    'current-context': 'a',
  };
  change(config, dir);
  const file = join(dir, 'config');
  writeFileSync(file, stringify(config));
  return file;
}

test('KUBECONFIG=/dev/zero and an endless pipe are refused at once, naming the file and the limit, instead of being read forever', async () => {
  // Before: client-node read the whole file; /dev/zero grew the process until the kernel killed it.
  const zero = await runCli(['status', 'some-run'], { KUBECONFIG: '/dev/zero' }, 20_000);
  assert.equal(zero.code, 1, zero.stderr);
  assert.equal(zero.stderr, `metatrain: KUBECONFIG names /dev/zero, which is not a regular file but a character device. ${ENV_ADVICE}\n`);
  const endless = await waitExit(startCli(['status', 'some-run', '--kubeconfig', '<(yes)'], {}, undefined, true), 20_000);
  assert.equal(endless.code, 1, endless.stderr);
  assert.match(endless.stderr, /^metatrain: --kubeconfig names \/dev\/fd\/\d+, which is too large: more than the 4194304 bytes \(4 MiB\) allowed \(it reported 0 bytes when opened: it grew, or reports no size\); a kubeconfig is a few KiB\./);
});

test('a kubeconfig file over 4 MiB is refused by its size, before it is read', () => {
  const file = join(tempDir(), 'config');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 4 * 1024 * 1024 + 1); // sparse: costs no disk
  closeSync(fd);
  assert.throws(() => connectCluster({ kubeconfig: file }), refused(`--kubeconfig names ${file}, which is too large: 4194305 bytes, more than the 4194304 bytes (4 MiB) allowed; a kubeconfig is a few KiB. ${ADVICE}`));
});

test('a wrongly typed, missing or empty field of a kubeconfig is named by its path, not called "no kubeconfig"', () => {
  // Before: `server: 5` read as "it holds no kubeconfig (an empty file …)", and `clusters: 5` as no cluster at all.
  const cases: Array<[(c: Record<string, any>) => void, string]> = [
    [(c) => (c['clusters'][0].cluster.server = 5), 'clusters[0].cluster.server must be a string, not a number'],
    [(c) => (c['clusters'] = 5), 'clusters must be a list, not a number'],
    [(c) => (c['clusters'][0].cluster['insecure-skip-tls-verify'] = 'yes'), 'clusters[0].cluster.insecure-skip-tls-verify must be true or false, not a string'],
    [(c) => delete c['contexts'][0].context.cluster, 'contexts[0].context.cluster is missing'],
    [(c) => (c['users'][0].name = ''), 'users[0].name is empty'],
    [(c) => (c['users'][0].user = { exec: { command: 'gke-gcloud-auth-plugin', args: 'x' } }), 'users[0].user.exec.args must be a list, not a string'],
    [(c) => (c['current-context'] = ['a']), 'current-context must be a string, not a list'],
  ];
  for (const [change, problem] of cases) {
    const file = kubeconfigFile(change);
    assert.throws(() => connectCluster({ kubeconfig: file }), refused(`cannot read the kubeconfig ${file}: ${problem}. ${ADVICE}`));
  }
  // What kubectl writes for an empty kubeconfig (`clusters: null` …) is a kubeconfig, with nothing in it.
  const nulls = kubeconfigFile((c) => Object.assign(c, { clusters: null, users: null, contexts: null, 'current-context': '' }));
  assert.throws(() => connectCluster({ kubeconfig: nulls }), refused(`no Kubernetes cluster is configured: ${nulls} holds no context and no cluster (is it a kubeconfig?); point KUBECONFIG or --kubeconfig at a kubeconfig, or choose a context with --context.`));
});

test('KUBECONFIG=a:b merges the files as kubectl does, skipping those that do not exist or are empty, and an error names the one file at fault', () => {
  // Before: "a:b" was named as one file, and client-node refused a name defined in both files and took the last
  // file's current-context.
  const first = kubeconfigFile((c) => {
    c['clusters'] = [{ name: 'stub', cluster: { server: 'http://first.invalid' } }];
    c['contexts'] = [{ name: 'mine', context: { cluster: 'stub', user: 'u' } }];
    delete c['current-context'];
  });
  const second = writeKubeconfig('http://127.0.0.1:9', 'token'); // clusters stub and unreachable, current context stub
  const cluster = withEnv({ KUBECONFIG: `${first}::${second}` }, () => connectCluster());
  assert.equal(cluster.context, 'stub', 'the current context of the first file that sets one');
  assert.equal(cluster.server, 'http://first.invalid', 'the first file to define cluster "stub" wins');
  assert.deepEqual(cluster.kubeConfig.getContexts().map((c) => c.name), ['mine', 'stub', 'unreachable']);
  const third = kubeconfigFile((c) => {
    c['current-context'] = 'third';
    c['contexts'] = [{ name: 'third', context: { cluster: 'unreachable', user: 'tester' } }];
  });
  assert.equal(withEnv({ KUBECONFIG: `${second}:${third}` }, () => connectCluster()).context, 'stub', 'a later current-context does not override');

  const bad = kubeconfigFile((c) => (c['clusters'][0].cluster.server = 5));
  assert.throws(() => withEnv({ KUBECONFIG: `${first}:${bad}` }, () => connectCluster()), refused(`cannot read the kubeconfig ${bad}: clusters[0].cluster.server must be a string, not a number. ${ENV_ADVICE}`));
  const missing = join(tempDir(), 'missing');
  // Before: a missing entry was fatal ("KUBECONFIG names …, which does not exist"); kubectl skips it.
  assert.equal(withEnv({ KUBECONFIG: `${missing}:${second}` }, () => connectCluster()).server, 'http://127.0.0.1:9', 'a file that does not exist is skipped');
  assert.equal(withEnv({ KUBECONFIG: `${first}:${missing}:${second}` }, () => connectCluster()).server, 'http://first.invalid');
  const other = join(tempDir(), 'other');
  assert.throws(() => withEnv({ KUBECONFIG: `${missing}:${other}` }, () => connectCluster()), refused(`KUBECONFIG is "${missing}:${other}", and none of its files holds a kubeconfig (${missing} does not exist, ${other} does not exist). ${ENV_ADVICE}`));
  // Before: a path under a file (ENOTDIR) threw "ENOTDIR: not a directory, stat '/etc/passwd/x'" instead of being skipped.
  const file = join(tempDir(), 'file');
  writeFileSync(file, 'not a folder');
  const underFile = join(file, 'x');
  assert.equal(withEnv({ KUBECONFIG: `${underFile}:${second}` }, () => connectCluster()).server, 'http://127.0.0.1:9', 'a path under a file is skipped');
  assert.throws(() => withEnv({ KUBECONFIG: `${underFile}:${missing}` }, () => connectCluster()), refused(`KUBECONFIG is "${underFile}:${missing}", and none of its files holds a kubeconfig (${underFile} does not exist, ${missing} does not exist). ${ENV_ADVICE}`));
  assert.throws(() => withEnv({ KUBECONFIG: underFile }, () => connectCluster()), refused(`KUBECONFIG names ${underFile}, which does not exist (a folder of its path is a file). ${ENV_ADVICE}`));
  // Before: an empty file in the list was refused ("it holds no kubeconfig (an empty file …)"; /dev/null "not a regular
  // file but a character device"); kubectl reads it as an empty kubeconfig.
  const empty = join(tempDir(), 'empty');
  writeFileSync(empty, '');
  assert.equal(withEnv({ KUBECONFIG: `/dev/null:${second}` }, () => connectCluster()).server, 'http://127.0.0.1:9', '/dev/null is skipped');
  assert.equal(withEnv({ KUBECONFIG: `${empty}:${first}:${second}` }, () => connectCluster()).server, 'http://first.invalid', 'an empty file is skipped');
  assert.throws(() => withEnv({ KUBECONFIG: `/dev/null:${empty}:${missing}` }, () => connectCluster()), refused(`KUBECONFIG is "/dev/null:${empty}:${missing}", and none of its files holds a kubeconfig (/dev/null is empty, ${empty} is empty, ${missing} does not exist). ${ENV_ADVICE}`));
  assert.throws(() => withEnv({ KUBECONFIG: ':' }, () => connectCluster()), refused(`KUBECONFIG is ":", which names no file. ${ENV_ADVICE}`));
  assert.throws(() => connectCluster({ kubeconfig: '' }), refused(`--kubeconfig is "", which names no file. ${ADVICE}`));
});

test('a binary file or broken YAML is said not to be a kubeconfig, without a code frame of its bytes', () => {
  // Before: KUBECONFIG=/bin/ls printed "null byte is not allowed in input (1:8)" and a code frame of ELF bytes.
  const binary = join(tempDir(), 'ls');
  writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x0a, 0x3a, 0x20]));
  assert.throws(
    () => connectCluster({ kubeconfig: binary }),
    refused(`cannot read the kubeconfig ${binary}: not a text file: byte 0x7F (DEL) at byte offset 0 (line 1, byte 1 of the line) is a control character no text holds (a binary file?); a kubeconfig is YAML text. ${ADVICE}`),
  );
  const broken = join(tempDir(), 'config');
  writeFileSync(broken, 'clusters: [\n');
  assert.throws(() => connectCluster({ kubeconfig: broken }), (e: unknown) => {
    const { message } = e as Error;
    return message.startsWith(`cannot read the kubeconfig ${broken}: invalid YAML at line 2, column 1: `) && !message.includes('\n');
  });
});

test('a directory or a missing file is named with what it is, not EISDIR or ENOENT', () => {
  // Before: "cannot read the kubeconfig DIR: EISDIR: illegal operation on a directory, read" (ENOENT likewise).
  const dir = tempDir();
  const missing = join(dir, 'missing');
  assert.throws(() => withEnv({ KUBECONFIG: dir }, () => connectCluster()), refused(`KUBECONFIG names ${dir}, which is not a regular file but a directory. ${ENV_ADVICE}`));
  assert.throws(() => withEnv({ KUBECONFIG: missing }, () => connectCluster()), refused(`KUBECONFIG names ${missing}, which does not exist. ${ENV_ADVICE}`));
  assert.throws(() => connectCluster({ kubeconfig: missing }), refused(`--kubeconfig names ${missing}, which does not exist. ${ADVICE}`));
  // ~/.kube/config, looked at when KUBECONFIG is not set.
  const home = tempDir();
  mkdirSync(join(home, '.kube', 'config'), { recursive: true });
  assert.throws(() => withEnv({ HOME: home, KUBECONFIG: '' }, () => connectCluster()), refused(`the kubeconfig ${join(home, '.kube', 'config')} is not a regular file but a directory. ${ADVICE}`));
});

test('the files a kubeconfig names are read relative to its folder and reach the API server: the token file as the Authorization header, the CA and client certificate over TLS', async () => {
  // Before: client-node read token-file relative to the working directory ("ENOENT: no such file or directory, open
  // 'token'"), and sent a token file's final line feed in the header. KUBECONFIG=a:b: each file's names are relative
  // to that file's folder.
  const clusterDir = tempDir('metatrain-kubeconfig-');
  const certs = certificates(clusterDir);
  const stub = await startApiServerStub({ token: 'file-token', tls: { ca: readFileSync(certs.ca), cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) } });
  try {
    const clusterConfig = join(clusterDir, 'config');
    writeFileSync(clusterConfig, stringify({ clusters: [{ name: 'tls', cluster: { server: stub.url, 'certificate-authority': 'ca.pem' } }], contexts: [{ name: 'tls', context: { cluster: 'tls', user: 'me' } }], 'current-context': 'tls' }));
    const userDir = join(tempDir('metatrain-kubeconfig-'), 'user');
    mkdirSync(join(userDir, 'tls'), { recursive: true });
    copyFileSync(certs.clientCert, join(userDir, 'tls', 'client.pem'));
    copyFileSync(certs.clientKey, join(userDir, 'tls', 'client.key'));
    writeFileSync(join(userDir, 'token'), 'file-token\n'); // as `echo file-token > token` writes it
    const userConfig = join(userDir, 'config');
    writeFileSync(userConfig, stringify({ users: [{ name: 'me', user: { 'token-file': 'token', 'client-certificate': 'tls/client.pem', 'client-key': './tls/client.key' } }] }));

    const r = await runCli(['status', 'ghost'], { KUBECONFIG: `${clusterConfig}:${userConfig}` }, 30_000, tempDir());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^metatrain: no run named ghost in namespace metatrain\./);
    assert.ok(stub.requests.length > 0, 'the API server was reached over TLS with the client certificate');
    assert.deepEqual(new Set(stub.requests.map((q) => q.authorization)), new Set(['Bearer file-token']));
  } finally {
    await stub.stop();
  }
});

test('a file a kubeconfig names that cannot be used is refused when loading, naming the kubeconfig, the field, the file and what is wrong', async () => {
  // Before: token-file: /dev/zero grew the process without end; a missing token file was "ENOENT: no such file or
  // directory, open 'token'"; the certificate files were read at the first request, and a missing one or a directory
  // was "URL is not a Kubernetes API server (… ENOENT: no such file or directory …)" (EISDIR likewise).
  const zero = await runCli(['status', 'some-run', '--kubeconfig', kubeconfigFile((c) => (c['users'][0].user = { 'token-file': '/dev/zero' }))], {}, 20_000);
  assert.equal(zero.code, 1, zero.stderr);
  assert.match(zero.stderr, /^metatrain: cannot read the kubeconfig \S+: users\[0\]\.user\.token-file names \/dev\/zero, which is not a regular file but a character device\. /);

  const cases: Array<[string, (c: Record<string, any>, dir: string) => void, (dir: string) => string]> = [
    ['missing token file', (c) => (c['users'][0].user = { 'token-file': 'token' }), (dir) => `users[0].user.token-file names ${join(dir, 'token')}, which does not exist`],
    ['empty token file', (c, dir) => {
      writeFileSync(join(dir, 'token'), ' \n');
      c['users'].push({ name: 'v', user: { 'token-file': 'token' } });
      c['contexts'][0].context.user = 'v';
    }, (dir) => `users[1].user.token-file names ${join(dir, 'token')}, which is empty (only white space): it must hold the token`],
    ['token file of two lines', (c, dir) => {
      writeFileSync(join(dir, 'token'), 'first\nsecond\n');
      c['users'][0].user = { 'token-file': 'token' };
    }, (dir) => `users[0].user.token-file names ${join(dir, 'token')}, which holds 2 lines: a token is one line`],
    ['directory as CA', (c, dir) => (c['clusters'][0].cluster['certificate-authority'] = dir), (dir) => `clusters[0].cluster.certificate-authority names ${dir}, which is not a regular file but a directory`],
    ['device as CA', (c) => (c['clusters'][0].cluster['certificate-authority'] = '/dev/zero'), () => 'clusters[0].cluster.certificate-authority names /dev/zero, which is not a regular file but a character device'],
    ['key over 1 MiB', (c, dir) => {
      const fd = openSync(join(dir, 'big.key'), 'w');
      ftruncateSync(fd, (1 << 20) + 1); // sparse: costs no disk
      closeSync(fd);
      c['users'][0].user = { 'client-key': 'big.key', 'client-certificate-data': 'Y2VydA==' };
    }, (dir) => `users[0].user.client-key names ${join(dir, 'big.key')}, which is too large: 1048577 bytes, more than the 1048576 bytes (1 MiB) allowed; a token, a PEM certificate or key is a few KiB`],
    ['binary certificate', (c, dir) => {
      writeFileSync(join(dir, 'client.der'), Buffer.from([0x30, 0x03, 0x02, 0x01]));
      c['users'][0].user['client-certificate'] = 'client.der';
    }, (dir) => `users[0].user.client-certificate names ${join(dir, 'client.der')}: not a text file: byte 0x03 at byte offset 1 (line 1, byte 2 of the line) is a control character no text holds (a binary file?); it must hold a PEM certificate, as text`],
    ['empty key', (c, dir) => {
      writeFileSync(join(dir, 'client.key'), '');
      c['users'][0].user['client-key'] = 'client.key';
    }, (dir) => `users[0].user.client-key names ${join(dir, 'client.key')}, which is empty: it must hold a PEM private key`],
    // Before: accepted, and the server's certificate then reported as not trusted at the first request.
    ['CA file that is no PEM', (c, dir) => {
      writeFileSync(join(dir, 'ca.txt'), 'notpem\n');
      c['clusters'][0].cluster['certificate-authority'] = 'ca.txt';
    }, (dir) => `clusters[0].cluster.certificate-authority names ${join(dir, 'ca.txt')}, which holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`],
    ['key file that is no PEM', (c, dir) => {
      writeFileSync(join(dir, 'client.key'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      c['users'][0].user['client-key'] = 'client.key';
    }, (dir) => `users[0].user.client-key names ${join(dir, 'client.key')}, which holds no PEM private key (no "-----BEGIN … PRIVATE KEY-----" line)`],
  ];
  for (const [name, change, problem] of cases) {
    const file = kubeconfigFile(change);
    assert.throws(() => connectCluster({ kubeconfig: file }), refused(`cannot read the kubeconfig ${file}: ${problem(dirname(file))}. ${ADVICE}`), name);
  }
});

test("only the files of the current context's cluster and user are read, as kubectl reads them: a stale entry breaks nothing until it is chosen", () => {
  // Before: client-node read every user's token-file while loading, so one deleted cluster's user broke all contexts.
  const file = kubeconfigFile((c, dir) => {
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    c['clusters'][0].cluster['certificate-authority'] = 'ca.pem';
    c['clusters'].push({ name: 'gone', cluster: { server: 'https://gone.invalid', 'certificate-authority': 'gone/ca.crt' } });
    c['users'][0].user['token-file'] = '/dev/zero'; // with a token, client-node reads no token file: nor does metatrain
    c['users'].push({ name: 'gone', user: { 'token-file': 'gone/token' } }, { name: 'plugin', user: { exec: { command: 'gke-gcloud-auth-plugin', apiVersion: 'client.authentication.k8s.io/v1beta1' } } });
    c['contexts'].push({ name: 'gone', context: { cluster: 'gone', user: 'gone' } }, { name: 'plugin', context: { cluster: 'a', user: 'plugin' } });
  });
  const dir = dirname(file);
  const cluster = connectCluster({ kubeconfig: file });
  assert.equal(cluster.kubeConfig.getCurrentCluster()?.caData, Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'));
  assert.equal(cluster.kubeConfig.getCurrentUser()?.token, 't');
  assert.deepEqual(cluster.kubeConfig.getContexts().map((c) => c.name), ['a', 'gone', 'plugin']);
  // An exec user is client-node's to run, as before.
  assert.equal(connectCluster({ kubeconfig: file, context: 'plugin' }).kubeConfig.getCurrentUser()?.exec?.command, 'gke-gcloud-auth-plugin');
  assert.throws(() => connectCluster({ kubeconfig: file, context: 'gone' }), refused(`cannot read the kubeconfig ${file}: clusters[1].cluster.certificate-authority names ${join(dir, 'gone', 'ca.crt')}, which does not exist. ${ADVICE}`));
});
