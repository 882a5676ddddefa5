/**
 * Files in a store's checkpoint directories that no checkpoint holds (a user's `step-00000001/notes.txt`): a
 * checkpoint directory holds only its manifest and data parts (layout: checkpoint-manifest.ts), published whole by
 * one rename, so anything else there was put there by someone else, and is not to be removed with the checkpoint.
 */
import type { Dirent } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, OPTIMIZER_FILE, PARAMS_FILE } from './checkpoint-manifest';
import type { CheckpointEntry } from './checkpoint-store';

/**
 * The names a checkpoint directory holds, the manifest first: the order in which removing an old checkpoint deletes
 * them (CheckpointStore's prune), so that one interrupted midway is no longer a valid checkpoint.
 */
export const CHECKPOINT_FILES: readonly string[] = [MANIFEST_FILE, PARAMS_FILE, OPTIMIZER_FILE];

/**
 * Whether `entry` of a checkpoint directory is one of a checkpoint's files: named as one ({@link CHECKPOINT_FILES})
 * and a file, or a symbolic link (a copy of a run made of links; removing it removes the link, not what it points
 * to). A directory (or a pipe …) under such a name is not what a save writes and may hold a user's files: it is not.
 */
export function isCheckpointFile(entry: Dirent): boolean {
  return CHECKPOINT_FILES.includes(entry.name) && (entry.isFile() || entry.isSymbolicLink());
}

/** A checkpoint directory holding files no checkpoint does: its path and their names, sorted. */
export interface ForeignCheckpointFiles {
  path: string;
  names: string[];
}

/**
 * The checkpoint directories among `entries` (a store's list, oldest first) holding files a checkpoint does not
 * (entries that are not {@link isCheckpointFile}), with those names; none when every one holds only a checkpoint's
 * files (or cannot be listed: loading it says why).
 */
export async function foreignCheckpointFiles(entries: readonly CheckpointEntry[]): Promise<ForeignCheckpointFiles[]> {
  const found: ForeignCheckpointFiles[] = [];
  for (const { path } of entries) {
    const names = (await readdir(path, { withFileTypes: true }).catch(() => [] as Dirent[]))
      .filter((entry) => !isCheckpointFile(entry))
      .map((entry) => entry.name)
      .sort();
    if (names.length > 0) found.push({ path, names });
  }
  return found;
}

/**
 * Removes the checkpoint files ({@link isCheckpointFile}, the manifest first) of the checkpoint directory `path`,
 * leaving everything else there.
 */
export async function removeCheckpointFiles(path: string): Promise<void> {
  const files = new Set((await readdir(path, { withFileTypes: true })).filter(isCheckpointFile).map((entry) => entry.name));
  for (const name of CHECKPOINT_FILES) if (files.has(name)) await rm(join(path, name), { force: true });
}
