/**
 * What a directory given where one checkpoint is expected (`adapt --checkpoint`, `compress --checkpoint`,
 * `predict --model`) is when it is not one: a file, a run's `checkpoints` directory, a run directory, or a directory
 * with no checkpoint at all; with the checkpoint to give instead when there is one (the best, else the newest).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BEST_FILE, MANIFEST_FILE, parseStepDirName } from '../checkpoint';

/** The checkpoints directory inside a run directory (`runs/NAME/checkpoints`). */
const RUN_CHECKPOINTS = 'checkpoints';

/** Why a directory is not one checkpoint, and what to give instead when it holds some. */
export interface NotOneCheckpoint {
  /** E.g. "is a directory of checkpoints, not one checkpoint", "holds no checkpoint (no manifest.json)". */
  readonly problem: string;
  /** The checkpoint inside it to give, e.g. "one of them, e.g. runs/x/checkpoints/step-00000040 (the best, per best.json)". */
  readonly instead?: string;
}

/**
 * Why `dir` is not one checkpoint ({@link NotOneCheckpoint}); undefined when `dir` holds a manifest.json (loading
 * it reports any other problem).
 */
export function notOneCheckpoint(dir: string): NotOneCheckpoint | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return { problem: 'does not exist' };
  }
  if (!isDir) return { problem: 'is a file, not a checkpoint directory' };
  if (existsSync(join(dir, MANIFEST_FILE))) return undefined;
  const inside = chosenStep(dir);
  if (inside) return { problem: 'is a directory of checkpoints, not one checkpoint', instead: `one of them, e.g. ${inside}` };
  const inRun = chosenStep(join(dir, RUN_CHECKPOINTS));
  if (inRun) return { problem: 'is a run directory, not a checkpoint', instead: `one of its checkpoints, e.g. ${inRun}` };
  return { problem: `holds no checkpoint (no ${MANIFEST_FILE})` };
}

/**
 * The checkpoint of the store `dir` to suggest, with why: the one best.json names when it exists, else the newest
 * `step-N`; undefined when `dir` holds no `step-N` directory (or is unreadable).
 */
function chosenStep(dir: string): string | undefined {
  let steps: string[];
  try {
    steps = readdirSync(dir)
      .filter((n) => parseStepDirName(n) !== undefined)
      .sort();
  } catch {
    return undefined;
  }
  if (steps.length === 0) return undefined;
  const best = bestStepDir(dir);
  if (best !== undefined && steps.includes(best)) return `${join(dir, best)} (the best, per ${BEST_FILE})`;
  return `${join(dir, steps.at(-1)!)} (the newest)`;
}

/** The `dir` field of `dir`/best.json, or undefined when it is missing or malformed. */
function bestStepDir(dir: string): string | undefined {
  try {
    const best = (JSON.parse(readFileSync(join(dir, BEST_FILE), 'utf8')) as { dir?: unknown } | null)?.dir;
    return typeof best === 'string' ? best : undefined;
  } catch {
    return undefined;
  }
}
