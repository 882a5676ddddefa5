/**
 * What a directory given where a meta-training checkpoint is expected (`model.init`, `compress --checkpoint`) but
 * holding none is, when it is one of the run's other outputs, and the checkpoint to give instead: a run directory
 * (`runs/NAME`: its best checkpoint), a compressed model (`runs/NAME/compressed`: the checkpoint its
 * compression.json says it was compressed from) or a model written by `metatrain adapt` (the checkpoint its
 * adapted.json names, followed through a compressed model). No tfjs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, notOneCheckpoint } from '../checkpoint';
import { REPORT_FILE } from '../compress/compression-report';
import { ADAPTED_REPORT_FILE } from '../meta/adapted-model';

/** What `model.init` takes, for a directory that leads to no checkpoint. */
const MODEL_INIT_CHECKPOINT = 'a checkpoint directory such as runs/NAME/checkpoints/step-N';

/**
 * What `dir` is and what to give instead, e.g. "it is a compressed model (int8, for metatrain adapt and predict),
 * not a checkpoint: give the checkpoint it was compressed from, runs/x/checkpoints/step-00000040"; when `dir` is
 * none of the outputs above, or the checkpoint it came from is gone, what model.init takes.
 */
export async function modelInitInstead(dir: string): Promise<string> {
  const output = modelOutputInstead(dir);
  if (output !== undefined) return output;
  const notOne = await notOneCheckpoint(dir);
  if (notOne?.instead) return `it ${notOne.problem}: give ${notOne.instead}`;
  return `give ${MODEL_INIT_CHECKPOINT}`;
}

/**
 * What `dir` is and the checkpoint to give instead when it is a model adapted by `metatrain adapt` or a compressed
 * model, e.g. "it is a model adapted by metatrain adapt (for metatrain predict), not a checkpoint: give the checkpoint
 * it was adapted from, runs/x/checkpoints/step-00000040"; undefined for any other directory.
 */
export function modelOutputInstead(dir: string): string | undefined {
  const adaptedFrom = recordedCheckpoint(join(dir, ADAPTED_REPORT_FILE));
  if (adaptedFrom !== undefined) {
    const source = recordedCheckpoint(join(adaptedFrom, REPORT_FILE)) ?? adaptedFrom;
    return `it is a model adapted by metatrain adapt (for metatrain predict), not a checkpoint: give ${fromCheckpoint('it was adapted from', source)}`;
  }
  const compressedFrom = recordedCheckpoint(join(dir, REPORT_FILE));
  if (compressedFrom !== undefined) return `it is a compressed model (int8, for metatrain adapt and predict), not a checkpoint: give ${fromCheckpoint('it was compressed from', compressedFrom)}`;
  return undefined;
}

/** `the checkpoint <how>, <path>` when `path` still holds a checkpoint, else what model.init takes and why not that one. */
function fromCheckpoint(how: string, path: string): string {
  if (existsSync(join(path, MANIFEST_FILE))) return `the checkpoint ${how}, ${path}`;
  return `${MODEL_INIT_CHECKPOINT} (the checkpoint ${how}, ${path}, holds none any more)`;
}

/** The `checkpoint` field of the JSON file `file` (an adapted.json or a compression.json), or undefined. */
function recordedCheckpoint(file: string): string | undefined {
  try {
    const checkpoint = (JSON.parse(readFileSync(file, 'utf8')) as { checkpoint?: unknown } | null)?.checkpoint;
    return typeof checkpoint === 'string' && checkpoint !== '' ? checkpoint : undefined;
  } catch {
    return undefined;
  }
}
