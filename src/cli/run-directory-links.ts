/**
 * Symbolic links where a run writes, refused before a new run or `pretrain` writes in its run directory. A run
 * writes there file by file (logs appended to, checkpoints, `summary.json`, `report.html`, `targets.json`,
 * `pretrained/`, `compressed/`), and every write would follow a link there: `logs/coordinator.log` linked to a file
 * outside the directory would have the coordinator's log appended to that file. So a link anywhere among the names a
 * run writes (at the top of the run directory, or anywhere inside its `logs/`, `checkpoints/`, `pretrained/`) is
 * refused, naming it and where it points, and nothing is touched. The run directory itself may be a link (`--out
 * link`, src/cli/out-directory.ts), and so may anything above it and, at its top, a directory the run writes in
 * (`checkpoints` linked to a directory on a larger disk): what is inside such a directory is checked as here.
 */
import { readdirSync, readlinkSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { runDir, type RunConfig } from '../core/config';
import { RunDirectoryLinkError } from '../core/errors';
import { firstNames } from '../core/first-names';
import { isRunEntry, runEntries } from './run-directory-files';
import { runDirectoryNamed } from './run-directory-path';

/** The entries of `dir`, or none when it cannot be listed (missing, not a directory: the write that follows says so). */
function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Whether `path` is, or links to, a directory. */
function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** A symbolic link found: its path from the run directory and what it points to. */
interface Link {
  path: string;
  target: string;
}

/**
 * The symbolic links among `entries` of `dir` and, depth first, in the directories among them (not following any
 * link), named by their path from the run directory (`prefix`, `''` at its top).
 */
function linksAmong(dir: string, entries: Dirent[], prefix: string): Link[] {
  const found: Link[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    const shown = `${prefix}${entry.name}`;
    // A run's directory at the top (`checkpoints`, `logs` …) may be a link to a directory (kept on another disk):
    // the run writes new files inside it, and what is inside is checked as if it were here.
    if (entry.isSymbolicLink() && !(prefix === '' && isDirectory(path))) found.push({ path: shown, target: readlinkSync(path) });
    else if (entry.isDirectory() || entry.isSymbolicLink()) found.push(...linksAmong(path, entriesOf(path), `${shown}/`));
  }
  return found;
}

/**
 * Refuses the run directory of `config` when a symbolic link is where a run writes: one of the run's names at its
 * top (`logs`, `summary.json`, `checkpoints`, …, or what a killed write left of one), or anything inside those that
 * are directories. Call it before a new run or `pretrain` writes there (after the directory is locked).
 * @param out the `--out` flag's value when given: the message names it, else `runtime.outDir` or the default.
 * @throws RunDirectoryLinkError naming the links (up to 3) by their path in the directory and their targets, and
 *   what to do, e.g. `--out s3: logs/coordinator.log is a symbolic link (to ../../precious.log): a run writes only
 *   real files in its directory; remove it or give --out a new directory`.
 */
export function assertNoLinksInRunDirectory(config: RunConfig, out?: string): void {
  const dir = runDir(config);
  const entries = runEntries(config);
  const links = linksAmong(dir, entriesOf(dir).filter((entry) => isRunEntry(entry.name, entries)), '');
  if (links.length === 0) return;
  const flag = out !== undefined ? '--out' : config.runtime.outDir !== undefined ? 'runtime.outDir (or --out)' : '--out or runtime.outDir';
  const [first] = links;
  const which =
    links.length === 1
      ? `${first!.path} is a symbolic link (to ${first!.target})`
      : `${firstNames(links.map((link) => `${link.path} (to ${link.target})`))} are symbolic links`;
  throw new RunDirectoryLinkError(
    `${runDirectoryNamed(config, out)}: ${which}: a run writes only real files in its directory; remove ${links.length === 1 ? 'it' : 'them'} or give ${flag} a new directory`,
  );
}
