import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderKustomizeTree } from '../../src/k8s/kustomize-tree';
import { renderNamespace, renderRun } from '../../src/k8s/render-run';
import { compileDeploySettings } from '../../src/k8s/settings';
import { exampleConfig, repoRoot } from './stub/harness';

const deployDir = join(repoRoot(), 'deploy', 'k8s');
const tree = renderKustomizeTree(exampleConfig(), 'examples/k8s-run.yaml');

test('the committed deploy/k8s equals the renderer output for examples/k8s-run.yaml (regenerate: npx tsx deploy/k8s/generate.ts)', () => {
  const committed = readdirSync(deployDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(committed, [...tree.keys()].sort(), 'same files');
  for (const [path, text] of tree) assert.equal(readFileSync(join(deployDir, path), 'utf8'), text, `${path} is stale`);
});

// The overlays use `patches:` (kustomize v4+, embedded in kubectl 1.21+); Debian's kubernetes-client 1.20 is too old.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const kustomizeMajor = Number(/Kustomize Version: v(\d+)/.exec(kubectl.stdout ?? '')?.[1] ?? 0);
const noKubectl =
  kubectl.error || kubectl.status !== 0
    ? 'kubectl is not installed (install kubectl 1.21 or newer to build the overlays)'
    : kustomizeMajor < 4
      ? `kubectl embeds kustomize older than v4 (${(kubectl.stdout ?? '').trim().split('\n').join('; ')})`
      : false;
if (noKubectl) console.log(`# skipping kubectl kustomize tests: ${noKubectl}`);

for (const device of ['gpu', 'cpu'] as const) {
  test(`kubectl kustomize deploy/k8s/overlays/${device} yields exactly what metatrain launch applies for ${device} workers`, { skip: noKubectl }, () => {
    const built = execFileSync('kubectl', ['kustomize', join(deployDir, 'overlays', device)], { encoding: 'utf8' });
    const objects = parseAllDocuments(built).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    const s = compileDeploySettings(exampleConfig(), { device });
    const expected = JSON.parse(JSON.stringify([renderNamespace(s), ...renderRun(s)])) as typeof objects;
    const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    assert.deepEqual(objects.map(key).sort(), expected.map(key).sort());
    const byKey = new Map(objects.map((o) => [key(o), o]));
    for (const e of expected) assert.deepEqual(byKey.get(key(e)), e, key(e));
  });
}
