/**
 * What a directory given where a meta-training checkpoint is expected (`model.init`, `compress --checkpoint`) but
 * holding none is, when it is one of the run's other outputs, and the checkpoint to give instead: a run directory
 * (`runs/NAME`: its best checkpoint), a compressed model (`runs/NAME/compressed`: the checkpoint its
 * compression.json says it was compressed from) or a model written by `metatrain adapt` (the checkpoint its
 * adapted.json names, followed through a compressed model). No tfjs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, notOneCheckpoint } from '../checkpoint';
import { MAX_REPORT_BYTES, REPORT_FILE } from '../compress/compression-report';
import { readBoundedFile } from '../core/bounded-file';
import { FileReadError } from '../core/errors';
import { ADAPTED_REPORT_FILE, MAX_ADAPTED_REPORT_BYTES } from '../meta/adapted-model';

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
 * it was adapted from, runs/x/checkpoints/step-00000040"; when the adapted.json or compression.json it looks at is
 * larger than its reader takes (MAX_ADAPTED_REPORT_BYTES, MAX_REPORT_BYTES) or not a regular file, that file and why
 * (`runs/x/compressed/compression.json: 17825792 bytes, more than the 16777216 bytes (16 MiB) allowed: not a file
 * metatrain wrote; give …`); undefined for any other directory.
 */
export function modelOutputInstead(dir: string): string | undefined {
  try {
    const adaptedFrom = recordedCheckpoint(join(dir, ADAPTED_REPORT_FILE), MAX_ADAPTED_REPORT_BYTES);
    if (adaptedFrom !== undefined) {
      const source = recordedCheckpoint(join(adaptedFrom, REPORT_FILE), MAX_REPORT_BYTES) ?? adaptedFrom;
      return `it is a model adapted by metatrain adapt (for metatrain predict), not a checkpoint: give ${fromCheckpoint('it was adapted from', source)}`;
    }
    const compressedFrom = recordedCheckpoint(join(dir, REPORT_FILE), MAX_REPORT_BYTES);
    if (compressedFrom !== undefined) return `it is a compressed model (int8, for metatrain adapt and predict), not a checkpoint: give ${fromCheckpoint('it was compressed from', compressedFrom)}`;
    return undefined;
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    return `${err.message}: not a file metatrain wrote; give ${MODEL_INIT_CHECKPOINT}`;
  }
}

/** `the checkpoint <how>, <path>` when `path` still holds a checkpoint, else what model.init takes and why not that one. */
function fromCheckpoint(how: string, path: string): string {
  if (existsSync(join(path, MANIFEST_FILE))) return `the checkpoint ${how}, ${path}`;
  return `${MODEL_INIT_CHECKPOINT} (the checkpoint ${how}, ${path}, holds none any more)`;
}

/**
 * The `checkpoint` field of the JSON file `file` (an adapted.json or a compression.json, at most `maxBytes`), or
 * undefined when it has none: missing, unreadable (a directory given as a file: ENOTDIR), not JSON, no such field.
 * @throws FileReadError naming the file when it is larger than `maxBytes` or not a regular file or a pipe (/dev/zero).
 */
function recordedCheckpoint(file: string, maxBytes: number): string | undefined {
  let text: string;
  try {
    text = readBoundedFile(file, maxBytes).toString('utf8');
  } catch (err) {
    if (err instanceof FileReadError && err.reason !== 'unreadable') throw err;
    return undefined;
  }
  try {
    const checkpoint = (JSON.parse(text) as { checkpoint?: unknown } | null)?.checkpoint;
    return typeof checkpoint === 'string' && checkpoint !== '' ? checkpoint : undefined;
  } catch {
    return undefined;
  }
}
