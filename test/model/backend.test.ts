import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../src/core/errors';
import { initBackend, type BackendName } from '../../src/model';
import { loadTensorflowBinding, TENSORFLOW_PACKAGES } from '../../src/model/backend-tensorflow';

const notInstalled = (id: string): never => {
  throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
};

test('wasm and cpu backends initialize and compute', async () => {
  for (const name of ['wasm', 'cpu', 'wasm'] as BackendName[]) {
    await initBackend(name);
    assert.equal(tf.getBackend(), name);
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
    assert.equal(product, 11);
  }
});

/** The banner tfjs's cpu backend prints on its first tensor in Node.js: "Hi, looks like you are running TensorFlow.js in Node.js ...". */
const BANNER = /running TensorFlow\.js in Node\.js|install our node backend/;

/** Output (stdout and stderr) of a child process computing on `backend`, set up by initBackend or by plain tfjs. */
function childOutput(backend: BackendName, how: 'init' | 'plain'): string {
  const child = join(__dirname, `backend-banner-child${extname(__filename)}`);
  const args = extname(__filename) === '.ts' ? ['--import', 'tsx', child] : [child];
  const r = spawnSync(process.execPath, [...args, backend, how], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`product 11 on ${backend}`));
  return r.stdout + r.stderr;
}

test('initBackend silences the tfjs "install our node backend" banner on cpu and wasm', () => {
  // The banner is real: plain tfjs on cpu prints it (so its absence below is the fix, not a missed match).
  assert.match(childOutput('cpu', 'plain'), BANNER);
  for (const backend of ['cpu', 'wasm'] as BackendName[]) assert.doesNotMatch(childOutput(backend, 'init'), BANNER, backend);
});

test('an unknown backend name is rejected with the list of valid names', async () => {
  await assert.rejects(initBackend('gpu' as BackendName), (e: unknown) => e instanceof BackendError && /unknown tfjs backend "gpu".*wasm, cpu, tensorflow/.test(e.message));
});

test('tensorflow backend without tfjs-node(-gpu) throws a BackendError that says what to install', () => {
  assert.throws(
    () => loadTensorflowBinding(notInstalled),
    (e: unknown) =>
      e instanceof BackendError &&
      e.message.includes('@tensorflow/tfjs-node-gpu') &&
      e.message.includes(`npm install @tensorflow/tfjs-node@${tf.version.tfjs}`) &&
      e.message.includes('choose backend wasm or cpu'),
  );
});

test('initBackend("tensorflow") fails with BackendError on this install, where neither package is present', async (t) => {
  const installed = TENSORFLOW_PACKAGES.filter((p) => {
    try {
      require.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
  if (installed.length > 0) return t.skip(`${installed.join(', ')} installed here`);
  await assert.rejects(initBackend('tensorflow'), BackendError);
  assert.notEqual(tf.getBackend(), 'tensorflow');
});

test('tensorflow binding falls back from tfjs-node-gpu to tfjs-node', () => {
  const tried: string[] = [];
  try {
    const loaded = loadTensorflowBinding((id) => {
      tried.push(id);
      if (id === '@tensorflow/tfjs-node-gpu') notInstalled(id);
      tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!); // stands in for what tfjs-node does on load
      return {};
    });
    assert.equal(loaded, '@tensorflow/tfjs-node');
    assert.deepEqual(tried, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  } finally {
    tf.removeBackend('tensorflow');
  }
});

test('a tensorflow package that registers no backend with this tfjs (version mismatch) is reported', () => {
  assert.throws(
    () => loadTensorflowBinding(() => ({})),
    (e: unknown) => e instanceof BackendError && /did not register the 'tensorflow' backend/.test(e.message),
  );
});
