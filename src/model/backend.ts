/**
 * Chooses the tfjs backend a process computes on. `wasm` (default) and `cpu` ship with the install;
 * `tensorflow` binds libtensorflow through `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`, which are
 * not dependencies of metatrain (they download libtensorflow at install time) and are loaded only when chosen.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../core/errors';
import { loadTensorflowBinding } from './backend-tensorflow';
import { loadWasm } from './backend-wasm';

/** A tfjs backend metatrain can run on. */
export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

/** Every backend name, in order of preference for local runs. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

/**
 * Makes `name` the active tfjs backend of this process and waits until it is ready.
 * Calling it again with the same name is a no-op; with another name it switches backends
 * (tensors made on the previous backend must not be used afterwards).
 * On `cpu` and `wasm` tfjs's console messages are turned off once the backend is ready (see {@link quietFor}):
 * the `cpu` backend otherwise prints a banner urging to install tfjs-node on its first tensor.
 * @throws BackendError when `name` is not a backend name, when `tensorflow` is chosen but neither
 *   `@tensorflow/tfjs-node-gpu` nor `@tensorflow/tfjs-node` is installed, or when tfjs fails to initialize it.
 */
export async function initBackend(name: BackendName): Promise<void> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new BackendError(`unknown tfjs backend ${JSON.stringify(name)}: choose one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (tf.getBackend() !== name) await switchBackend(name);
  tf.env().set('PROD', quietFor(name));
}

/**
 * Whether tfjs's console messages are turned off on backend `name`. They are printed through tfjs's own logger
 * (`log.warn` in tfjs-core), which is silent while the `PROD` flag is set (`tf.enableProdMode()`; in tfjs 4 the
 * flag gates nothing else). Its only message on a working `cpu` backend is the "Hi, looks like you are running
 * TensorFlow.js in Node.js ... install our node backend" banner, which metatrain's choice of backend makes moot;
 * `wasm` is treated the same. On `tensorflow` tfjs's messages stay on.
 */
function quietFor(name: BackendName): boolean {
  return name === 'cpu' || name === 'wasm';
}

/** Registers (if needed) and initializes `name`, with tfjs's messages on so that a failure's reason is printed. */
async function switchBackend(name: BackendName): Promise<void> {
  if (name === 'wasm') loadWasm();
  if (name === 'tensorflow') loadTensorflowBinding();
  tf.env().set('PROD', false);
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new BackendError(`tfjs backend ${name} failed to initialize: ${(err as Error).message}`, { cause: err });
  }
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(`tfjs backend ${name} failed to initialize (tf.setBackend returned false; see the tfjs warning above)`);
  }
}
