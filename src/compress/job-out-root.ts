/**
 * Where a compressor fed by a queue may publish a job's result. A job's `outDir` comes from whoever can publish on
 * the run's NATS subject, so `metatrain compressor` writes only inside its `--out-root` (by default where the
 * Kubernetes manifests mount the runs' volume: src/k8s/settings.ts DATA_ROOT): `outDir` must be a normalized path
 * (no `..`) below it, relative ones taken from the compressor's working directory as the job's checkpoint path is (a
 * local coordinator's default `runs/NAME/compressed`), and no symbolic link on the way may lead out of it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, normalize, relative, resolve, sep } from 'node:path';

/** Whether `path` is strictly below `root` (both absolute and normalized). */
function isBelow(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** `path` with its symbolic links resolved, for its deepest ancestor that exists (the rest as written). */
function realPathOfExisting(path: string): string {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const rest = relative(existing, path);
  const real = realpathSync(existing);
  return rest === '' ? real : `${real}${sep}${rest}`;
}

/**
 * Why a job may not publish at `outDir` when its compressor serves `outRoot` (an absolute path), in words naming
 * both, e.g. `outDir "/etc/x" is not inside --out-root /var/lib/metatrain`, `outDir "runs/x/compressed" (from
 * /home/u, so /home/u/runs/x/compressed) is not inside --out-root /var/lib/metatrain`, `outDir "/var/lib/metatrain/x/../../y" is not normalized (it holds "." or ".." or repeated "/")`,
 * `outDir "/var/lib/metatrain/x/compressed" leads out of --out-root /var/lib/metatrain through a symbolic link (to
 * /tmp/x/compressed)`; undefined when it may.
 */
export function outDirOutsideRoot(outDir: string, outRoot: string, cwd = process.cwd()): string | undefined {
  const written = outDir.length > 1 && outDir.endsWith(sep) ? outDir.slice(0, -1) : outDir;
  if (normalize(written) !== written) return `outDir ${JSON.stringify(outDir)} is not normalized (it holds "." or ".." or repeated "/")`;
  const trimmed = resolve(cwd, written);
  const shown = isAbsolute(written) ? JSON.stringify(outDir) : `${JSON.stringify(outDir)} (from ${cwd}, so ${trimmed})`;
  if (!isBelow(trimmed, outRoot)) return `outDir ${shown} is not inside --out-root ${outRoot}`;
  // Its parent is where the result is renamed into: a link on the way there must not lead elsewhere.
  const real = realPathOfExisting(dirname(trimmed));
  const realRoot = existsSync(outRoot) ? realpathSync(outRoot) : outRoot;
  if (real !== realRoot && !isBelow(real, realRoot)) return `outDir ${shown} leads out of --out-root ${outRoot} through a symbolic link (to ${real})`;
  return undefined;
}
