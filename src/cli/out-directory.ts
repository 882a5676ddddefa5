/**
 * The output directory of `adapt`, `import-hf` and `compress`, which publish their result by renaming a new
 * directory to its path (src/core/durable-fs.ts): a symbolic link there would be replaced by the result, or make the
 * rename fail after all the work (ENOTDIR), instead of the result landing where the link points. So such a link is
 * refused before anything is read. A link higher in the path (`--out link/model`) is fine: the rename follows it.
 * `run` and `pretrain` write into their directory file by file and take a link to an existing directory as is; the
 * compressed model `run` publishes, `<run dir>/compressed`, is refused as a link the same way.
 */
import { readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { entryAt } from '../core/entry-at';
import { OutputLinkError } from '../core/errors';

/**
 * Refuses `dir` when it (its last component; a trailing `/` does not count) is a symbolic link.
 * @param dir the output directory (resolved against the current directory).
 * @param command the command, for the message (`adapt`).
 * @param given whether `dir` is the value of `--out` (the message names the flag) or a default (named as `the
 *   result directory`).
 * @param instead what to do instead, when it is not to give `--out` another path (`run`, whose result directory is
 *   always `<run dir>/compressed`).
 * @throws OutputLinkError naming the path, the link's target and what to do instead: by default to give `--out` the
 *   real path, which the message shows when nothing is there yet (the result is a new directory there), e.g.
 *   `--out adapted: a symbolic link to /data/adapted; adapt writes a new directory in its place by renaming, so the
 *   link would be replaced (or the write fail) instead of the result landing in /data/adapted: give the real
 *   directory's path with --out (--out /data/adapted)`, else that a new directory's path is needed (`… give --out
 *   the real path of a directory that does not exist yet; /data/adapted exists`).
 */
export function refuseLinkedOutDirectory(dir: string, command: string, given: boolean, instead?: string): void {
  const path = resolve(dir);
  if (!entryAt(path)?.isSymbolicLink()) return;
  const target = resolve(path, '..', readlinkSync(path));
  const otherPath = entryAt(target) ? `give --out the real path of a directory that does not exist yet; ${target} exists` : `give the real directory's path with --out (--out ${target})`;
  throw new OutputLinkError(
    path,
    target,
    `${given ? `--out ${dir}` : `the result directory ${path}`}: a symbolic link to ${target}; ${command} writes a new directory in its place by renaming, so the link would be replaced (or the write fail) instead of the result landing in ${target}: ${instead ?? otherPath}`,
  );
}
