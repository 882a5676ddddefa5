/**
 * A real small file system for disk-full tests: a tmpfs of a given size mounted on a fresh directory (needs root, as
 * in CI), which `fill()` fills to the last page so that the next write fails with the kernel's own ENOSPC.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A mounted tmpfs. */
export interface SmallVolume {
  /** The mount point. */
  readonly path: string;
  /** Writes `<path>/filler` until the volume is full (the kernel answers ENOSPC). */
  fill(): void;
  /** Unmounts it (its contents are lost). */
  unmount(): void;
}

/** Why {@link mountSmallVolume} cannot run here (not root), or undefined when it can. */
export function smallVolumeUnavailable(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'mounting a tmpfs needs root';
}

/**
 * Mounts a tmpfs of `bytes` (rounded up to pages by the kernel) on `<parent>/volume`. Register `unmount` as the
 * test's cleanup before anything else, or the temporary parent directory cannot be removed.
 * @throws Error with mount's output when the mount fails.
 */
export function mountSmallVolume(parent: string, bytes: number): SmallVolume {
  const path = join(parent, 'volume');
  mkdirSync(path);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`mount -t tmpfs -o size=${bytes} tmpfs ${path} failed (${mount.status}): ${mount.stderr}`);
  return {
    path,
    fill() {
      const fd = openSync(join(path, 'filler'), 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    unmount() {
      spawnSync('umount', [path]);
    },
  };
}
