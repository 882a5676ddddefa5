/**
 * Symbolic links where a run writes, refused before a run (`run` or `coordinator`, new or resumed) or `pretrain` writes in its run directory. A run
 * writes there file by file (logs appended to, checkpoints, `summary.json`, `report.html`, `targets.json`,
 * `pretrained/`, `compressed/`), and every write would follow a link there: `logs/coordinator.log` linked to a file
 * outside the directory would have the coordinator's log appended to that file. So a link anywhere among the names a
 * run writes (at the top of the run directory, or anywhere inside its `logs/`, `checkpoints/`, `pretrained/`) is
 * refused, naming it and where it points, and nothing is touched. The run directory itself may be a link (`--out
 * link`, src/cli/out-directory.ts), and so may anything above it and, at its top, a directory the run writes in
 * (`checkpoints` linked to a directory on a larger disk): what a run writes inside such a directory is checked as
 * here, and nothing else in it is walked (a linked `/usr` is listed, not searched). Such a link that loops or leads
 * nowhere is refused in those words. A log file named outside the run directory (`--log-file /dev/stderr`) is
 * opened through its link as given: only the run directory's own names are checked.
 */
import { readdirSync, readlinkSync, statSync, type Dirent } from 'node:fs';
import { basename, join } from 'node:path';
import { BEST_FILE, isStoreTemporary, parseStepDirName } from '../checkpoint';
import { checkpointsDir, compressedDir, pretrainedDir, runDir, type RunConfig } from '../core/config';
import { RunDirectoryLinkError } from '../core/errors';
import { firstNames } from '../core/first-names';
import { isRunLogName, LOGS_DIR } from '../local/run-logs';
import { isRunEntry, runEntries } from './run-directory-files';
import { runDirectoryFlag, runDirectoryNamed, type RunDirectoryCommand } from './run-directory-path';

/** The entries of `dir`, or none when it cannot be listed (missing, not a directory: the write that follows says so). */
function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** What a link's target is to a run: a directory it may write in, or why it cannot (`ELOOP`, `ENOENT`, `EACCES` …). */
function targetKind(path: string): 'directory' | 'other' | string {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown';
  }
}

/** What `path` links to, as written in the link (`?` when it cannot be read). */
function targetOf(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '?';
  }
}

/** Whether a run writes an entry named `name` inside one of its directories: a checkpoint, `best.json`, a save's temporary, a log. */
function isWrittenInside(name: string): boolean {
  return parseStepDirName(name) !== undefined || name === BEST_FILE || isStoreTemporary(name) || isRunLogName(name);
}

/** A symbolic link found: its path from the run directory, what it points to, and what is wrong with it. */
interface Link {
  path: string;
  target: string;
  /** `through`: a run would write through it; `loops`, `missing`, `unreadable`: a linked directory that is none. */
  problem: 'through' | 'loops' | 'missing' | 'unreadable';
  code?: string;
}

/**
 * A link at the top of the run directory: none when it leads to a directory (a run writes inside it), else what is
 * wrong: for one of the run's directories (`directory`), a target that loops, is missing or cannot be read is named
 * so; any other link is one a run would write through.
 */
function topLink(path: string, shown: string, directory: boolean): Link | undefined {
  const kind = targetKind(path);
  if (kind === 'directory') return undefined;
  const target = targetOf(path);
  if (kind === 'other' || !directory) return { path: shown, target, problem: 'through' };
  if (kind === 'ELOOP') return { path: shown, target, problem: 'loops' };
  if (kind === 'ENOENT' || kind === 'ENOTDIR') return { path: shown, target, problem: 'missing' };
  return { path: shown, target, problem: 'unreadable', code: kind };
}

/**
 * The symbolic links among `entries` of the run directory `dir` (a run's names only) and in what a run writes inside
 * them, not following any link: inside a directory of the run's (`checkpoints`, `logs` …, linked or not), the entries
 * a run writes there ({@link isWrittenInside}), and inside its checkpoints and a save's temporaries, everything. Only
 * those are descended into, so a linked directory holding anything else (`logs` linked to `/usr`) is listed, not
 * walked; its other entries are for the foreign-files check (src/cli/run-directory-files.ts) to name.
 */
function linksIn(dir: string, entries: Dirent[], directories: readonly string[]): Link[] {
  const found: Link[] = [];
  const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : 1);
  for (const top of entries.sort(byName)) {
    const path = join(dir, top.name);
    if (top.isSymbolicLink()) {
      const link = topLink(path, top.name, directories.includes(top.name));
      if (link) {
        found.push(link);
        continue;
      }
    } else if (!top.isDirectory()) continue;
    for (const inside of entriesOf(path).filter((entry) => isWrittenInside(entry.name)).sort(byName)) {
      const shown = `${top.name}/${inside.name}`;
      if (inside.isSymbolicLink()) found.push({ path: shown, target: targetOf(join(path, inside.name)), problem: 'through' });
      else if (inside.isDirectory() && (parseStepDirName(inside.name) !== undefined || isStoreTemporary(inside.name))) {
        for (const file of entriesOf(join(path, inside.name)).sort(byName)) {
          if (file.isSymbolicLink()) found.push({ path: `${shown}/${file.name}`, target: targetOf(join(path, inside.name, file.name)), problem: 'through' });
        }
      }
    }
  }
  return found;
}

/** A link for a message: alone (`checkpoints is a symbolic link that loops (to checkpoints)`), or in a list. */
function described(link: Link, alone: boolean): string {
  const why = { through: '', loops: ', which loops', missing: ', which does not exist', unreadable: `, which cannot be read (${link.code})` }[link.problem];
  if (!alone) return `${link.path} (to ${link.target}${why})`;
  if (link.problem === 'loops') return `${link.path} is a symbolic link that loops (to ${link.target})`;
  return `${link.path} is a symbolic link (to ${link.target})${why}`;
}

/**
 * Refuses the run directory of `config` when a symbolic link is where a run writes: one of the run's names at its
 * top (`logs`, `summary.json`, `checkpoints`, …, or what a killed write left of one) that does not lead to a
 * directory (a link to a file, one that loops, one to nothing), or one inside those directories where a run writes
 * (`logs/coordinator.log`, `checkpoints/step-00000010/…`). Call it before a run (new or resumed) or `pretrain`
 * writes there (before the directory is locked, and again once it is: src/cli/run-directory-lock.ts).
 * @param command the command that would write there (`coordinator` has no `--out` to advise).
 * @param out the `--out` flag's value when given: the message names it, else `runtime.outDir` or the default.
 * @throws RunDirectoryLinkError naming the links (up to 3) by their path in the directory and their targets, and
 *   what to do, e.g. `--out s3: logs/coordinator.log is a symbolic link (to ../../precious.log): a run writes only
 *   real files in its directory; remove it or give --out a new directory`, or `--out s3: checkpoints is a symbolic
 *   link (to ../nowhere), which does not exist: …`.
 */
export function assertNoLinksInRunDirectory(config: RunConfig, command: RunDirectoryCommand, out?: string): void {
  const dir = runDir(config);
  const entries = runEntries(config);
  const directories = [checkpointsDir(config), LOGS_DIR, pretrainedDir(config), compressedDir(config)].map((path) => basename(path));
  const links = linksIn(dir, entriesOf(dir).filter((entry) => isRunEntry(entry.name, entries)), directories);
  if (links.length === 0) return;
  const flag = runDirectoryFlag(config, command, out);
  const which = links.length === 1 ? described(links[0]!, true) : `${firstNames(links.map((link) => described(link, false)))} are symbolic links`;
  const them = links.length === 1 ? 'it' : 'them';
  const rule = links.every((link) => link.problem === 'through')
    ? 'a run writes only real files in its directory'
    : 'a run writes only real files in its directory, or in a directory linked there that exists';
  throw new RunDirectoryLinkError(`${runDirectoryNamed(config, out)}: ${which}: ${rule}; remove ${them} or give ${flag} a new directory`);
}
