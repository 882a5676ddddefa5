/**
 * The largest model the wasm backend is given, and its refusal: a wasm instance addresses 4 GiB, and adapting or
 * pretraining holds several copies of the parameters (fast weights, gradients, Adam moments).
 */
import { ConfigError } from '../core/errors';
import { countSpecParams, type ParamSpec } from '../core/param-set';

/**
 * The largest model (float32 bytes of its parameters) the wasm backend is given: 1 GiB, a quarter of the 4 GiB a
 * wasm instance can address. A larger one failed after start with `memory access out of bounds` (in every worker of
 * a run; in `metatrain pretrain` after ~30 s and 4.5 GB).
 */
const MAX_WASM_MODEL_BYTES = 2 ** 30;

/**
 * Refuses, before any tensor is built, a model the wasm backend could not hold.
 * @param spec the parameters the backend holds: the meta-parameters to `adapt` (wasm workers), or the pretraining
 *   parameters to `pretrain` (this process).
 * @throws ConfigError at `model` when `spec` takes more than {@link MAX_WASM_MODEL_BYTES} in float32, naming the
 *   parameter count and size, and the other backends.
 */
export function assertWasmCanHold(spec: ParamSpec, use: 'adapt' | 'pretrain'): void {
  const count = countSpecParams(spec);
  if (4 * count <= MAX_WASM_MODEL_BYTES) return;
  const who = use === 'adapt' ? 'wasm workers can adapt' : 'the wasm backend can pretrain';
  const where = use === 'adapt' ? 'a wasm worker can address: a task holds' : 'wasm can address: pretraining holds';
  throw new ConfigError(
    'model',
    `the model has ${count.toLocaleString('en-US')} parameters (${((4 * count) / 2 ** 20).toFixed(1)} MiB in float32), more than ${who} (${MAX_WASM_MODEL_BYTES / 2 ** 20} MiB, a quarter of the 4 GiB ${where} several copies of the parameters); make the model smaller, or use --backend cpu or tensorflow`,
  );
}
