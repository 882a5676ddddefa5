/**
 * The directory a run's `checkpoints` or `pretrained` link leads to (a larger disk, as the README allows), locked
 * (./directory-lock) by the process that writes there: two runs whose links lead to one directory would each prune
 * the other's checkpoints there. `checkpoints` is locked with the run directory (src/cli/run-directory-lock.ts);
 * `pretrained` only while pretraining writes it (src/pretrain/pretrain.ts), so that runs may share, and only read,
 * one finished pretraining, in a read-only directory too.
 */
import { statSync } from 'node:fs';
import { entryAt } from './entry-at';
import { lockDirectory } from './directory-lock';
import { realPath } from './file-identity';

/** The directory a link leads to, and what a lock's messages call it. */
export interface LinkedDirectory {
  /** Its real path (links resolved). */
  readonly real: string;
  /** `linked directory runs/b/checkpoints →`, followed in a message by {@link real}. */
  readonly what: string;
}

/**
 * The directory the symbolic link `link` resolves to; undefined when `link` is no link, or leads nowhere, to a file
 * (left to the run's checks, src/cli/run-directory-links.ts, which refuse it) or to one of `besides`.
 * @param besides real paths of directories this process locks otherwise (its run directory), left out.
 */
export function linkedDirectory(link: string, besides: readonly (string | undefined)[] = []): LinkedDirectory | undefined {
  if (!entryAt(link)?.isSymbolicLink()) return undefined;
  const real = realPath(link);
  if (real === undefined || besides.includes(real) || !isDirectory(real)) return undefined;
  return { real, what: `linked directory ${link} →` };
}

/**
 * Locks the directory the symbolic link `link` resolves to ({@link linkedDirectory}) for this process, before it
 * writes there.
 * @returns the release of the lock (also released at exit), or undefined when `link` is no link to a directory
 *   other than `besides`, and nothing was locked.
 * @throws DirectoryBusyError when another process holds it, e.g. `linked directory runs/b/pretrained → /big/shared is
 *   in use by another metatrain process (pid 123, …)`; DirectoryError when the lock cannot be written there (a
 *   read-only directory), as {@link lockDirectory} does.
 */
export function lockLinkedDirectory(link: string, besides: readonly (string | undefined)[] = []): (() => void) | undefined {
  const linked = linkedDirectory(link, besides);
  return linked && lockDirectory(linked.real, linked.what);
}

/** Whether `path` is a directory, or a link to one; false when it is gone or cannot be read. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
