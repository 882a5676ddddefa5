/**
 * `<path>.kept-N`: where a directory that would otherwise be removed or lost is kept, under a name that is neither a
 * final one nor a temporary one (src/core/durable-fs.ts temporaryOf), so nothing lists, replaces or removes it.
 */
import { entryAt } from './entry-at';

/**
 * `<final>.kept-N` for the first N from 1 at which nothing is (one writing process per path: none appears meanwhile);
 * where a checkpoint keeps a user's files (src/checkpoint/checkpoint-kept-directory.ts) and a directory being replaced
 * is kept when it cannot be renamed back (src/core/durable-fs.ts).
 */
export function freeKeptName(final: string): string {
  for (let n = 1; ; n += 1) {
    const name = `${final}.kept-${n}`;
    if (!entryAt(name)) return name;
  }
}
