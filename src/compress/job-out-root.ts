/**
 * Where a compressor fed by a queue may publish a job's result. A job's `outDir` comes from whoever can publish on
 * the run's NATS subject, so `metatrain compressor` writes only inside its `--out-root` (by default the directory under which the
 * Kubernetes manifests mount each run's volume: src/k8s/settings.ts DATA_ROOT): `outDir` must be a normalized path
 * (no `..`) below it, relative ones taken from the compressor's working directory as the job's checkpoint path is (a
 * local coordinator's default `runs/NAME/compressed`), and no symbolic link on the way may lead out of it.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

/** Whether `path` is strictly below `root` (both absolute and normalized). */
function isBelow(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Why the directory `dir` below `root` may lead out of it through a symbolic link, walking its components from
 * `root` down with lstat: a link must resolve to `root` or below it (`(to <where dir is then>)`); one that cannot be
 * resolved (dangling, a loop, no permission) is refused too, as is a component that cannot be examined. Components
 * that do not exist yet end the walk (they are made as directories). `shown` is the outDir as the refusal names it.
 */
function linkOutOfRoot(dir: string, root: string, shown: string): string | undefined {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // nothing below it exists yet
    return `outDir ${shown} cannot be checked against --out-root ${root}: ${(e as Error).message}`;
  }
  let path = root;
  const rel = relative(root, dir);
  for (const part of rel === '' ? [] : rel.split(sep)) {
    path = join(path, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `outDir ${shown} cannot be checked against --out-root ${root}: ${(e as Error).message}`;
    }
    if (!isLink) continue;
    let real: string;
    try {
      real = realpathSync(path);
    } catch (e) {
      return `outDir ${shown} leads through the symbolic link ${path}, which cannot be resolved (${(e as Error).message}), so it may lead out of --out-root ${root}: remove or fix the link`;
    }
    if (real !== realRoot && !isBelow(real, realRoot)) return `outDir ${shown} leads out of --out-root ${root} through a symbolic link (to ${join(real, relative(path, dir))})`;
  }
  return undefined;
}

/**
 * Why a job may not publish at `outDir` when its compressor serves `outRoot` (an absolute path), in words naming
 * both, e.g. `outDir "/etc/x" is not inside --out-root /var/lib/metatrain`, `outDir "runs/x/compressed" (from
 * /home/u, so /home/u/runs/x/compressed) is not inside --out-root /var/lib/metatrain`, `outDir "/var/lib/metatrain/x/../../y" is not normalized (it holds "." or ".." or repeated "/")`,
 * `outDir "/var/lib/metatrain/x/compressed" leads out of --out-root /var/lib/metatrain through a symbolic link (to
 * /tmp/x/compressed)`, `outDir "/var/lib/metatrain/run/compressed" leads through the symbolic link
 * /var/lib/metatrain/run, which cannot be resolved (ENOENT: …), so it may lead out of --out-root /var/lib/metatrain:
 * remove or fix the link` (a dangling link, which the first write would follow); undefined when it may.
 */
export function outDirOutsideRoot(outDir: string, outRoot: string, cwd = process.cwd()): string | undefined {
  const written = outDir.length > 1 && outDir.endsWith(sep) ? outDir.slice(0, -1) : outDir;
  if (normalize(written) !== written) return `outDir ${JSON.stringify(outDir)} is not normalized (it holds "." or ".." or repeated "/")`;
  const trimmed = resolve(cwd, written);
  const shown = isAbsolute(written) ? JSON.stringify(outDir) : `${JSON.stringify(outDir)} (from ${cwd}, so ${trimmed})`;
  if (!isBelow(trimmed, outRoot)) return `outDir ${shown} is not inside --out-root ${outRoot}`;
  // Its parent is where the result is renamed into: a link on the way there must not lead elsewhere.
  return linkOutOfRoot(dirname(trimmed), outRoot, shown);
}
