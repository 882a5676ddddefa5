/**
 * The native TensorFlow backend: `@tensorflow/tfjs-node-gpu` (CUDA) or else `@tensorflow/tfjs-node` (CPU),
 * required dynamically only when the `tensorflow` backend is chosen. Neither is a dependency of metatrain:
 * they download libtensorflow at install time, so only the GPU worker image installs them.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../core/errors';

/** Packages tried, in order. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Requires the first installed package of {@link TENSORFLOW_PACKAGES}, which registers the `tensorflow`
 * backend with tfjs, and returns its name.
 * @param requireFn the module loader (Node's `require`); a parameter so tests can stand in for a missing install.
 * @throws BackendError when neither package can be loaded (the message says how to install one), or when the
 *   loaded package registered its backend with another copy of `@tensorflow/tfjs-core` (version mismatch).
 */
export function loadTensorflowBinding(requireFn: (id: string) => unknown = require): string {
  const failures: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      requireFn(pkg);
    } catch (err) {
      failures.push(`${pkg}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      throw new BackendError(
        `${pkg} loaded but did not register the 'tensorflow' backend with this process's tfjs ${tf.version.tfjs}: ` +
          `install the ${pkg} version matching @tensorflow/tfjs ${tf.version.tfjs}`,
      );
    }
    return pkg;
  }
  throw new BackendError(
    `backend 'tensorflow' needs @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, and neither loads ` +
      `(${failures.join('; ')}). Install one matching @tensorflow/tfjs ${tf.version.tfjs} ` +
      `(npm install @tensorflow/tfjs-node@${tf.version.tfjs}; it downloads libtensorflow), or choose backend wasm or cpu.`,
  );
}
