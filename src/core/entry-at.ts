/** Looking at the entry a path names itself, a symbolic link there not followed, before writing there. */
import { lstatSync, type Stats } from 'node:fs';

/**
 * The entry at `path` itself (a symbolic link not followed), or undefined when there is none to look at: nothing
 * there, a parent that is a file (ENOTDIR, which `lstatSync`'s `throwIfNoEntry: false` still throws), or no
 * permission to look; the caller's own checks, or the write that follows, report those.
 */
export function entryAt(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
