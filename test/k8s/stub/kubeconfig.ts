/**
 * A kubeconfig file for the stub (the format of https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/),
 * so tests reach it exactly as users reach a cluster: plain HTTP, as through `kubectl proxy` (no
 * `insecure-skip-tls-verify`: client-node alone would refuse http://, src/k8s/cluster.ts allows it as kubectl does),
 * and a bearer token.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes a kubeconfig with context `stub` (current) and `unreachable` (a closed port); returns its path. */
export function writeKubeconfig(url: string, token: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'metatrain-kubeconfig-')), 'config');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'stub', cluster: { server: url } },
      { name: 'unreachable', cluster: { server: 'http://127.0.0.1:9' } },
    ],
    users: [{ name: 'tester', user: { token } }],
    contexts: [
      { name: 'stub', context: { cluster: 'stub', user: 'tester' } },
      { name: 'unreachable', context: { cluster: 'unreachable', user: 'tester' } },
    ],
    'current-context': 'stub',
  };
  writeFileSync(file, stringify(config));
  return file;
}

