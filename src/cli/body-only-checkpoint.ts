/**
 * Checkpoint directories that hold an encoder body only, which `adapt` and `predict` cannot use: an MLM pretraining
 * checkpoint (`runs/NAME/pretrained/step-N`, `extra.kind` {@link PRETRAINING_KIND}) and a Hugging Face import
 * (`metatrain import-hf`, `extra.kind` {@link HF_IMPORT_KIND}); both are for `model.init`, and have no head.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { manifestExtra, parseStepDirName } from '../checkpoint';
import { HF_IMPORT_KIND } from '../hf';
import { PRETRAINING_KIND } from '../pretrain/pretrained-body';

const BODY_ONLY: Readonly<Record<string, string>> = {
  [PRETRAINING_KIND]: 'an MLM pretraining checkpoint (the encoder body only, for model.init)',
  [HF_IMPORT_KIND]: 'a Hugging Face checkpoint imported by metatrain import-hf (the encoder body only, for model.init)',
};

/** What to give instead: the directories that hold a whole meta-initialization. */
export const META_INITIALIZATIONS = 'a meta-training checkpoint (runs/NAME/checkpoints/step-N) or a compressed model (runs/NAME/compressed)';

/**
 * What `dir` is when the manifest.json of the checkpoint it is (or, for a directory of checkpoints such as
 * `runs/NAME/pretrained` or an import-hf `--out`, of its newest `step-N`) marks a body-only checkpoint, e.g. "an MLM
 * pretraining checkpoint (the encoder body only, for model.init)"; undefined for any other directory, also when the
 * manifest is missing or unreadable (loading the checkpoint reports that, naming the file).
 */
export function bodyOnlyCheckpoint(dir: string): string | undefined {
  const newest = newestStepDir(dir);
  const kind = manifestExtra(dir)?.kind ?? (newest === undefined ? undefined : manifestExtra(join(dir, newest))?.kind);
  return typeof kind === 'string' && Object.hasOwn(BODY_ONLY, kind) ? BODY_ONLY[kind] : undefined;
}

/** The last `step-N` entry of `dir` by name (the newest checkpoint of a store), or undefined. */
function newestStepDir(dir: string): string | undefined {
  try {
    return readdirSync(dir)
      .filter((n) => parseStepDirName(n) !== undefined)
      .sort()
      .at(-1);
  } catch {
    return undefined;
  }
}
