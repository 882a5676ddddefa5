/**
 * A run directory holding files that are not a run's, refused before a new run (`run` or `coordinator`) or `pretrain`
 * writes there. They write into it file by file: checkpoints, logs (appended to), `summary.json`, `report.html` and `targets.json`
 * (replaced whole), `pretrained/`, `compressed/`. An existing directory given as `--out` (a user's folder, another
 * project) would get them beside its own files, and lose any of the same name. So a directory holding an entry no
 * run writes is refused (at its top, or inside `checkpoints/` or `pretrained/`, where a run writes only
 * checkpoints, `best.json` and `.tmp-` entries: CheckpointStore.otherEntries), and so is a run's name holding what a
 * run does not write (a user's `summary.json`: ./run-directory-contents.ts), unless it already holds checkpoints
 * (meta-training or pretraining): then it is an earlier run's, and what happens is what always did (a new run is
 * refused with the way on: src/coordinator/earlier-checkpoints.ts; `pretrain` and `run --resume` continue). An empty
 * directory is fine, and so is one holding only `lost+found` (the top of a mounted disk).
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { BEST_FILE, type CheckpointStore } from '../checkpoint';
import { checkpointsDir, compressedDir, pretrainedDir, runDir, type RunConfig } from '../core/config';
import { LOCK_FILE } from '../core/directory-lock';
import { temporaryOf } from '../core/durable-fs';
import { ForeignFilesError } from '../core/errors';
import { firstNames } from '../core/first-names';
import { LOGS_DIR } from '../local/run-logs';
import { TARGETS_FILE } from '../local/scrape-targets';
import { REPORT_FILE } from '../report';
import { SUMMARY_FILE } from '../summary';
import { pretrainingCheckpoints } from '../pretrain/pretraining-checkpoints';
import { checkpointStoreOf } from './run-checkpoints-fit';
import { notRunsContent } from './run-directory-contents';
import { runDirectoryFlag, runDirectoryNamed, type RunDirectoryCommand } from './run-directory-path';

/**
 * The entries a run, its pretraining and its compression write in the run directory (`compressed` is also locked
 * by `.compressed.lock` beside it: src/cli/compress.ts).
 */
export function runEntries(config: RunConfig): string[] {
  const compressed = basename(compressedDir(config));
  return [LOCK_FILE, basename(checkpointsDir(config)), LOGS_DIR, basename(pretrainedDir(config)), compressed, `.${compressed}.lock`, SUMMARY_FILE, REPORT_FILE, TARGETS_FILE];
}

/**
 * Whether `name` is one of `entries`, or what a killed process left of writing one: a temporary copy of exactly that
 * shape (`.tmp-summary.json-PID-N`: src/core/durable-fs.ts temporaryOf; a user's `.tmp-compressed-backup` is not) or a
 * lock being taken (`.lock.PID`, src/core/directory-lock.ts).
 */
export function isRunEntry(name: string, entries: readonly string[]): boolean {
  const locking = /^(.*\.lock)\.\d+$/.exec(name)?.[1];
  const temporaryOfEntry = temporaryOf(name)?.finalName;
  return entries.some((entry) => name === entry || temporaryOfEntry === entry || locking === entry);
}

/**
 * Refuses the run directory of `config` when it holds an entry that no run writes and no checkpoint (of meta-training
 * or of pretraining): call it before a new run (`run`, `coordinator`: after its earlier checkpoints were checked) or
 * `pretrain` writes anything there. A missing or empty directory, or one holding only a run's entries, passes.
 * @param command the command that would write there, for what the message says it writes and the setting it advises
 *   (`coordinator` has no `--out`).
 * @param out the `--out` flag's value when given: the message names it, else `runtime.outDir` or the default.
 * @throws CheckpointError naming it when a file is where the run's `checkpoints` or `pretrained` directory goes
 *   (src/checkpoint/checkpoint-store.ts).
 * @throws ForeignFilesError naming the directory, up to 3 of those entries (those inside `checkpoints/`,
 *   `pretrained/` or `logs/` by their path from it) and what to do, e.g. `--out notes holds files that are not a run's
 *   (notes.txt, src, checkpoints/old.txt, …): …; give --out a new or empty directory, or move them elsewhere`.
 */
export async function assertOnlyRunFiles(config: RunConfig, command: RunDirectoryCommand, out?: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(runDir(config));
  } catch {
    return; // missing (it is created), or not a directory (src/cli/run-directory-path.ts says so)
  }
  // First, as `run` does: a file where either store's directory goes (a user's file named `checkpoints` or
  // `pretrained`) is refused, named by the store, before anything is read or written.
  const stores = storesOf(config);
  let earlier = 0;
  for (const store of stores) earlier += (await store.list()).length;
  if (earlier > 0) return;
  const entries = runEntries(config);
  // lost+found is the file system's own (the top of a freshly mounted disk or volume), not a user's file.
  const others = names.filter((name) => name !== 'lost+found' && !isRunEntry(name, entries)).sort();
  // Under a run's names, what is not a run's by its content (a user's summary.json, notes in logs/).
  for (const name of names.filter((n) => isRunEntry(n, entries)).sort()) others.push(...notRunsContent(runDir(config), name));
  // Inside the stores' directories, what a store does not write (`checkpoints/notes.txt`).
  others.push(...(await othersInStores(stores)));
  if (others.length === 0) return;
  const flag = runDirectoryFlag(config, command, out);
  throw new ForeignFilesError(
    `${holdsOthers(config, out, others)}: ${command === 'pretrain' ? 'the pretraining checkpoints' : "the run's checkpoints, logs and reports"} would be written there beside them, over any of the same name; give ${flag} a new or empty directory, or move them elsewhere`,
  );
}

/**
 * What `run --resume` says of the entries in the run directory's `checkpoints/` and `pretrained/` that no run
 * writes (a user's `checkpoints/.tmp-x`, `checkpoints/notes.txt`, `checkpoints/step-00000250/notes.md`, which
 * removing that old checkpoint leaves), which it leaves as they are: e.g. `--out runs/x
 * holds files that are not a run's (checkpoints/.tmp-x): --resume leaves them as they are and ignores them`;
 * undefined when there are none. A `best.json` that a save did not write is not named: it is not left alone (a save
 * replaces it, or fails reading it).
 * @param out the `--out` flag's value when given: the line names it, else `runtime.outDir` or the default.
 * @throws CheckpointError naming it when a file is where the run's `checkpoints` or `pretrained` directory goes.
 */
export async function keptOtherFiles(config: RunConfig, out?: string): Promise<string | undefined> {
  const others = (await othersInStores(storesOf(config))).filter((path) => basename(path) !== BEST_FILE);
  return others.length === 0 ? undefined : `${holdsOthers(config, out, others)}: --resume leaves them as they are and ignores them`;
}

/** The run directory's checkpoint stores: meta-training's (`checkpoints/`) and pretraining's (`pretrained/`). */
function storesOf(config: RunConfig): CheckpointStore[] {
  return [checkpointStoreOf(config), pretrainingCheckpoints(config)];
}

/** What `stores` hold that a store does not write, as paths from the run directory (`checkpoints/notes.txt`). */
async function othersInStores(stores: readonly CheckpointStore[]): Promise<string[]> {
  const others: string[] = [];
  for (const store of stores) others.push(...(await store.otherEntries()).map((name) => `${basename(store.dir)}/${name}`));
  return others;
}

/** `<the run directory> holds files that are not a run's (<the first of others>)`. */
function holdsOthers(config: RunConfig, out: string | undefined, others: readonly string[]): string {
  return `${runDirectoryNamed(config, out)} holds files that are not a run's (${firstNames(others)})`;
}
