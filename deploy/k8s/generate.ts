/**
 * Writes the kustomize tree of deploy/k8s from examples/k8s-run.yaml (src/k8s/kustomize-tree.ts) and removes
 * generated YAML files it no longer produces. Run from anywhere: `npx tsx deploy/k8s/generate.ts`.
 * test/k8s/kustomize-tree.test.ts fails when the committed files differ from what this writes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { loadRunConfig } from '../../src/core/config';
import { renderKustomizeTree } from '../../src/k8s/kustomize-tree';

const here = __dirname;
const root = join(here, '..', '..');
const source = 'examples/k8s-run.yaml';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));
}

async function main(): Promise<void> {
  const tree = renderKustomizeTree(await loadRunConfig(join(root, source)), source);
  for (const file of ['base', 'overlays'].flatMap((d) => { mkdirSync(join(here, d), { recursive: true }); return yamlFiles(join(here, d)); })) {
    if (!tree.has(relative(here, file))) rmSync(file);
  }
  for (const [path, text] of tree) {
    mkdirSync(dirname(join(here, path)), { recursive: true });
    writeFileSync(join(here, path), text);
  }
  console.log(`wrote ${tree.size} files under ${relative(process.cwd(), here) || '.'}`);
}

void main();
