/**
 * Locating the system binaries some tests drive (Prometheus, promtool, Chromium). CI installs them with apt
 * (.ci/run); when one is missing the test fails with the package to install, it never skips.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Binaries tests use, with the Debian package that provides each. */
export const SYSTEM_BINARIES = {
  prometheus: 'prometheus',
  promtool: 'prometheus',
  chromium: 'chromium',
} as const;

/**
 * Absolute path of `name` on PATH (or at `/usr/bin/<name>`).
 * @throws Error naming the Debian package to install when it is not found.
 */
export function requireBinary(name: keyof typeof SYSTEM_BINARIES): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin'];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  const pkg = SYSTEM_BINARIES[name];
  throw new Error(`${name} is not installed: this test needs it (install the Debian package: apt-get install -y ${pkg}; CI installs it in .ci/run)`);
}
