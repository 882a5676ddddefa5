/**
 * What a directory given where one checkpoint is expected (`adapt --checkpoint`, `compress --checkpoint`,
 * `predict --model`, `model.init`) is when it is not one: a file, a run's `checkpoints` directory, a run directory, or a directory
 * with no checkpoint at all; with the checkpoint to give instead when there is one (the best, else the newest).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BEST_FILE, CheckpointStore } from './checkpoint-store';
import { MANIFEST_FILE } from './checkpoint-manifest';
import { CHECKPOINTS_DIR } from '../core/config';

/** Why a directory is not one checkpoint, and what to give instead when it holds some. */
export interface NotOneCheckpoint {
  /** E.g. "is a directory of checkpoints, not one checkpoint", "holds no checkpoint (no manifest.json)". */
  readonly problem: string;
  /** The checkpoint inside it to give, e.g. "one of them, e.g. runs/x/checkpoints/step-00000040 (the best, per best.json)". */
  readonly instead?: string;
  /** The path of the checkpoint `instead` names (to read what it holds). */
  readonly checkpoint?: string;
}

/**
 * Why `dir` is not one checkpoint ({@link NotOneCheckpoint}); undefined when `dir` holds a manifest.json (loading
 * it reports any other problem).
 */
export async function notOneCheckpoint(dir: string): Promise<NotOneCheckpoint | undefined> {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return { problem: 'does not exist' };
  }
  if (!isDir) return { problem: 'is a file, not a checkpoint directory' };
  if (existsSync(join(dir, MANIFEST_FILE))) return undefined;
  const inside = await chosenStep(dir);
  if (inside) return { problem: 'is a directory of checkpoints, not one checkpoint', instead: `one of them, e.g. ${inside.path} (${inside.why})`, checkpoint: inside.path };
  const inRun = await chosenStep(join(dir, CHECKPOINTS_DIR));
  if (inRun) return { problem: 'is a run directory, not a checkpoint', instead: `one of its checkpoints, e.g. ${inRun.path} (${inRun.why})`, checkpoint: inRun.path };
  return { problem: `holds no checkpoint (no ${MANIFEST_FILE})` };
}

/**
 * The checkpoint of the store `dir` to suggest, with why: the one best.json names when it is valid and present,
 * else the newest; undefined when `dir` holds no checkpoint (or is unreadable).
 */
async function chosenStep(dir: string): Promise<{ path: string; why: string } | undefined> {
  const store = new CheckpointStore(dir, { keep: 1 });
  const steps = await store.list().catch(() => []);
  if (steps.length === 0) return undefined;
  const best = await store.bestStep().catch(() => undefined);
  const bestEntry = steps.find((e) => e.step === best);
  if (bestEntry) return { path: bestEntry.path, why: `the best, per ${BEST_FILE}` };
  return { path: steps.at(-1)!.path, why: 'the newest' };
}
