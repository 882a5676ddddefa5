import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MALLOC_TUNABLES } from '../../src/core/malloc-tunables';
import { POD_USER_ID } from '../../src/k8s/render-workload';
import { compileDeploySettings, IMAGE_WORKDIR } from '../../src/k8s/settings';
import { exampleConfig, repoRoot } from './stub/harness';

// No Docker engine here: these tests read deploy/docker/Dockerfile and check it against what the renderer and
// the package expect. Building the images is described in docs/kubernetes.md.
const root = repoRoot();
const dockerfile = readFileSync(join(root, 'deploy', 'docker', 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };

/** Stage name → instructions (comments and continuations folded). */
function stages(text: string): Map<string, { from: string; lines: string[] }> {
  const out = new Map<string, { from: string; lines: string[] }>();
  let current: { from: string; lines: string[] } | undefined;
  for (const line of text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) {
      current = { from: from[1]!, lines: [] };
      out.set(from[2] ?? from[1]!, current);
    } else current?.lines.push(line);
  }
  return out;
}

const s = stages(dockerfile);
const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];
const FINAL = ['coordinator', 'worker-cpu', 'worker-gpu'];
/** Instructions of a stage and of the stages it is built FROM. */
const chain = (name: string): string[] => {
  const st = s.get(name);
  return st ? [...(s.has(st.from) ? chain(st.from) : []), ...st.lines] : [];
};

test('every image runs as the UID the pods run as, never root, and starts bin/metatrain.js', () => {
  for (const name of FINAL) {
    const lines = chain(name);
    assert.ok(lines.includes(`USER ${POD_USER_ID}:${POD_USER_ID}`), `${name} runs as ${POD_USER_ID}`);
    assert.ok(lines.includes('ENTRYPOINT ["node", "/app/bin/metatrain.js"]'), `${name} entrypoint`);
  }
  assert.equal(pkg.bin['metatrain'], 'bin/metatrain.js');
  assert.ok(existsSync(join(root, 'bin', 'metatrain.js')));
});

test('runtime images get production dependencies only; the TypeScript build happens in its own stage', () => {
  assert.ok(s.get('deps')!.lines.some((l) => /^RUN npm ci --omit=dev --ignore-scripts/.test(l)));
  assert.ok(s.get('build')!.lines.some((l) => /^RUN npm ci\b/.test(l) && !l.includes('--omit=dev')), 'build has the dev dependencies (tsc)');
  for (const name of FINAL) {
    const copies = chain(name).filter((l) => l.startsWith('COPY --from='));
    assert.ok(copies.some((l) => / \/app\/dist dist$/.test(l) && l.includes('--from=build')), `${name} takes dist/ from the build`);
    assert.ok(!chain(name).some((l) => /npm ci(?!.*--omit=dev)/.test(l)), `${name} installs no dev dependencies`);
  }
  assert.match(arg('NODE_IMAGE') ?? '', /^node:20-bookworm-slim$/, 'Node 20 LTS slim');
});

test('the GPU worker runs on CUDA 11.2 + cuDNN 8 with tfjs-node-gpu at the tfjs version of the package, growing GPU memory as needed', () => {
  assert.match(arg('CUDA_IMAGE') ?? '', /^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/);
  const tfjs = pkg.dependencies['@tensorflow/tfjs']!.replace(/^\^/, '');
  const install = s.get('gpu-deps')!.lines.find((l) => l.includes('@tensorflow/tfjs-node-gpu@'));
  assert.ok(install, 'gpu-deps installs tfjs-node-gpu');
  const pinned = /@tensorflow\/tfjs-node-gpu@(\S+)/.exec(install)![1]!;
  assert.equal(pinned.split('.').slice(0, 2).join('.'), tfjs.split('.').slice(0, 2).join('.'), 'same minor as @tensorflow/tfjs (one tfjs-core)');
  assert.ok(chain('worker-gpu').some((l) => /^ENV .*TF_FORCE_GPU_ALLOW_GROWTH=true/.test(l)));
});

test('each worker image selects the backend the renderer sets for its device', () => {
  for (const device of ['gpu', 'cpu'] as const) {
    const settings = compileDeploySettings(exampleConfig(), { device });
    const env = chain(`worker-${device}`).filter((l) => l.startsWith('ENV ')).join(' ');
    assert.match(env, new RegExp(`METATRAIN_BACKEND=${settings.backend}\\b`), device);
  }
});

test('every image works in the directory the cluster config resolves a relative task.path against', () => {
  for (const name of FINAL) {
    const workdirs = chain(name).filter((l) => l.startsWith('WORKDIR '));
    assert.equal(workdirs.at(-1), `WORKDIR ${IMAGE_WORKDIR}`, name);
  }
  for (const device of ['gpu', 'cpu'] as const) assert.equal(compileDeploySettings(exampleConfig(), { device }).clusterConfig.runtime.baseDir, IMAGE_WORKDIR);
});

test('.dockerignore keeps the build inputs and drops node_modules, dist and generated bindings', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const p of ['**/node_modules', 'dist', 'src/wire/generated', '.git']) assert.ok(ignored.includes(p), `${p} ignored`);
  const copied = new Set([...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/)));
  for (const p of copied) assert.ok(!ignored.includes(p), `${p} is copied but ignored`);
  assert.deepEqual([...copied].sort(), ['bin', 'package-lock.json', 'package.json', 'proto', 'src', 'tsconfig.json']);
});

test('every image sets the malloc tunables of src/core/malloc-tunables.ts (buffers reuse heap memory instead of fresh pages)', () => {
  for (const name of FINAL) assert.ok(chain(name).includes(`ENV GLIBC_TUNABLES=${MALLOC_TUNABLES}`), `${name} sets GLIBC_TUNABLES`);
});
