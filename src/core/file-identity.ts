/**
 * Whether two paths name one file (`big.txt`, `./big.txt`, a symbolic link to it, a hard link to it): by device and
 * inode, read as bigints (an inode number above 2^53, as on some XFS, Btrfs or network file systems, would otherwise
 * be rounded into another file's), or by real path where the file system gives no inode (0: some FUSE, network or
 * Windows file systems) or the path does not exist.
 */
import { realpathSync, statSync } from 'node:fs';

/** The real path of `path` (links resolved), or undefined when it leads nowhere or loops. */
export function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The real path of `path` (links resolved), or `path` itself when it cannot be resolved (it does not exist). */
export function realPathOr(path: string): string {
  return realPath(path) ?? path;
}

/**
 * What makes `path` one file, given its `stats` (device and inode as bigints; undefined when it could not be read):
 * `dev:ino`, or its real path ({@link realPathOr}) when there is no stats or the inode is 0 (no identity: every file
 * of such a file system has it). The two forms cannot collide: a real path starts with `/`.
 */
export function identityOfStats(path: string, stats: { readonly dev: bigint; readonly ino: bigint } | undefined): string {
  return stats && stats.ino !== 0n ? `${stats.dev}:${stats.ino}` : realPathOr(path);
}

/** What makes `path` one file ({@link identityOfStats} of its `stat`, links followed): equal for two names of one file. */
export function fileIdentity(path: string): string {
  let stats: { dev: bigint; ino: bigint } | undefined;
  try {
    stats = statSync(path, { bigint: true });
  } catch {
    stats = undefined;
  }
  return identityOfStats(path, stats);
}
