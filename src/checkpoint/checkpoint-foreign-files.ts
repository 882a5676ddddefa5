/**
 * Files in a store's checkpoint directories that no checkpoint holds (a user's `step-00000001/notes.txt`): a
 * checkpoint directory holds only its manifest and data parts (layout: checkpoint-manifest.ts), published whole by
 * one rename, so anything else there was put there by someone else, and is not to be removed with the checkpoint.
 */
import { readdir } from 'node:fs/promises';
import { MANIFEST_FILE, OPTIMIZER_FILE, PARAMS_FILE } from './checkpoint-manifest';
import type { CheckpointEntry } from './checkpoint-store';

/**
 * The names a checkpoint directory holds, the manifest first: the order in which removing an old checkpoint deletes
 * them (CheckpointStore's prune), so that one interrupted midway is no longer a valid checkpoint.
 */
export const CHECKPOINT_FILES: readonly string[] = [MANIFEST_FILE, PARAMS_FILE, OPTIMIZER_FILE];

/** A checkpoint directory holding files no checkpoint does: its path and their names, sorted. */
export interface ForeignCheckpointFiles {
  path: string;
  names: string[];
}

/**
 * The checkpoint directories among `entries` (a store's list, oldest first) holding files a checkpoint does not,
 * with those names; none when every one holds only a checkpoint's files (or cannot be listed: loading it says why).
 */
export async function foreignCheckpointFiles(entries: readonly CheckpointEntry[]): Promise<ForeignCheckpointFiles[]> {
  const found: ForeignCheckpointFiles[] = [];
  for (const { path } of entries) {
    const names = (await readdir(path).catch(() => [] as string[])).filter((name) => !CHECKPOINT_FILES.includes(name)).sort();
    if (names.length > 0) found.push({ path, names });
  }
  return found;
}
