/** Locates files of the installed metatrain package (works from src/ under tsx and from dist/). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Absolute path of `relative` inside the package root, found by walking up from this module.
 * @throws Error when no ancestor directory contains it.
 */
export function packageFile(relative: string): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${relative} above ${__dirname}`);
    dir = parent;
  }
}
