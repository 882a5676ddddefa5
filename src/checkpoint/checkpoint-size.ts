/**
 * How large the files of a checkpoint with optimizer state will be (as encodeCheckpoint lays them out), computed from
 * the parameter shapes alone, and the refusal of a model whose checkpoint Node could not hold: each file is encoded
 * into one Buffer, which holds at most `buffer.constants.MAX_LENGTH` bytes (4 GiB on Node 20).
 */
import { constants } from 'node:buffer';
import { ConfigError } from '../core/errors';
import { countSpecParams, type ParamSpec } from '../core/param-set';
import { safetensorsBytesOf } from '../core/safetensors';
import { MOMENT_PREFIXES } from './checkpoint-load';
import { OPTIMIZER_FILE, PARAMS_FILE } from './checkpoint-manifest';

/**
 * The bytes of each data file of a checkpoint of parameters `spec` with Adam state: params.safetensors (4 bytes a
 * parameter) and optimizer.safetensors (the moments `m/…` and `v/…`: 8 bytes a parameter), headers included.
 */
export function checkpointFileBytes(spec: ParamSpec): ReadonlyMap<string, number> {
  const moments = new Map([...spec].flatMap(([name, shape]) => [[MOMENT_PREFIXES.m + name, shape] as const, [MOMENT_PREFIXES.v + name, shape] as const]));
  return new Map([
    [PARAMS_FILE, safetensorsBytesOf(spec)],
    [OPTIMIZER_FILE, safetensorsBytesOf(moments)],
  ]);
}

/**
 * Refuses, before any tensor is built, a model whose checkpoints could not be written.
 * @param spec the parameters a checkpoint stores (with Adam moments for each).
 * @param what which checkpoints, for the message: e.g. `meta-training`, `pretraining`.
 * @throws ConfigError at `model` when a file of such a checkpoint (in bytes, {@link checkpointFileBytes}) exceeds
 *   `buffer.constants.MAX_LENGTH`, naming the parameter count, the file's size and the limit, and what to shrink.
 */
export function assertCheckpointFits(spec: ParamSpec, what: string): void {
  for (const [file, bytes] of checkpointFileBytes(spec)) {
    if (bytes <= constants.MAX_LENGTH) continue;
    const count = countSpecParams(spec);
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw new ConfigError(
      'model',
      `the model has ${count.toLocaleString('en-US')} parameters for ${what}; the ${file} of its checkpoints would take ${bytes.toLocaleString('en-US')} bytes (${mib(bytes)}), more than the largest buffer Node can write (${constants.MAX_LENGTH.toLocaleString('en-US')} bytes, ${mib(constants.MAX_LENGTH)}); make the model smaller (model.hashBuckets, model.dModel)`,
    );
  }
}
