/**
 * Child process of backend.test.ts: computes one product on the backend named by argv[2], set up by initBackend
 * (argv[3] = `init`) or by plain tfjs (`plain`: tf.setBackend), then prints `product N`. Its whole output is
 * checked for the tfjs "install our node backend" banner.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../src/model/backend';

async function main(): Promise<void> {
  const [name, how] = process.argv.slice(2) as [BackendName, 'init' | 'plain'];
  if (how === 'init') await initBackend(name);
  else await tf.setBackend(name);
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
  process.stdout.write(`product ${product} on ${tf.getBackend()}\n`);
}

void main();
