import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { connectCluster } from '../../src/k8s/cluster';
import { runCli, startCli, tempDir, waitExit } from '../support/harness';
import { writeKubeconfig } from './stub/kubeconfig';

const ADVICE = 'Pass --kubeconfig FILE or set KUBECONFIG.';

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

/** A kubeconfig of one cluster `a` (current context `a`) at `server`, with `change` applied to it, written to a new file. */
function kubeconfigFile(change: (config: Record<string, any>) => void = () => undefined): string {
  const config: Record<string, any> = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'a', cluster: { server: 'http://127.0.0.1:9' } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }],
    'current-context': 'a',
  };
  change(config);
  const file = join(tempDir('metatrain-kubeconfig-'), 'config');
  writeFileSync(file, stringify(config));
  return file;
}

test('KUBECONFIG=/dev/zero and an endless pipe are refused at once, naming the file and the limit, instead of being read forever', async () => {
  // Before: client-node read the whole file; /dev/zero grew the process until the kernel killed it.
  const zero = await runCli(['status', 'some-run'], { KUBECONFIG: '/dev/zero' }, 20_000);
  assert.equal(zero.code, 1, zero.stderr);
  assert.equal(zero.stderr, `metatrain: KUBECONFIG names /dev/zero, which is not a regular file but a character device. ${ADVICE}\n`);
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
  // A file the kubeconfig names, which client-node reads while loading it: its own message, and the kubeconfig.
  const tokenFile = kubeconfigFile((c) => (c['users'][0].user = { 'token-file': '/nonexistent/token' }));
  assert.throws(() => connectCluster({ kubeconfig: tokenFile }), refused(`cannot read the kubeconfig ${tokenFile}: ENOENT: no such file or directory, open '/nonexistent/token'. ${ADVICE}`));
  // What kubectl writes for an empty kubeconfig (`clusters: null` …) is a kubeconfig, with nothing in it.
  const nulls = kubeconfigFile((c) => Object.assign(c, { clusters: null, users: null, contexts: null, 'current-context': '' }));
  assert.throws(() => connectCluster({ kubeconfig: nulls }), refused(`no Kubernetes cluster is configured: ${nulls} holds no context and no cluster (is it a kubeconfig?); point KUBECONFIG or --kubeconfig at a kubeconfig, or choose a context with --context.`));
});

test('KUBECONFIG=a:b merges the files as kubectl does, and an error names the one file at fault', () => {
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
  assert.throws(() => withEnv({ KUBECONFIG: `${first}:${bad}` }, () => connectCluster()), refused(`cannot read the kubeconfig ${bad}: clusters[0].cluster.server must be a string, not a number. ${ADVICE}`));
  const missing = join(tempDir(), 'missing');
  assert.throws(() => withEnv({ KUBECONFIG: `${first}:${missing}` }, () => connectCluster()), refused(`KUBECONFIG names ${missing}, which does not exist. ${ADVICE}`));
  assert.throws(() => withEnv({ KUBECONFIG: ':' }, () => connectCluster()), refused(`KUBECONFIG is ":", which names no file. ${ADVICE}`));
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
  assert.throws(() => withEnv({ KUBECONFIG: dir }, () => connectCluster()), refused(`KUBECONFIG names ${dir}, which is not a regular file but a directory. ${ADVICE}`));
  assert.throws(() => withEnv({ KUBECONFIG: missing }, () => connectCluster()), refused(`KUBECONFIG names ${missing}, which does not exist. ${ADVICE}`));
  assert.throws(() => connectCluster({ kubeconfig: missing }), refused(`--kubeconfig names ${missing}, which does not exist. ${ADVICE}`));
  // ~/.kube/config, looked at when KUBECONFIG is not set.
  const home = tempDir();
  mkdirSync(join(home, '.kube', 'config'), { recursive: true });
  assert.throws(() => withEnv({ HOME: home, KUBECONFIG: '' }, () => connectCluster()), refused(`the kubeconfig ${join(home, '.kube', 'config')} is not a regular file but a directory. ${ADVICE}`));
});
