/**
 * Crash-safe checkpoints of a run in one directory (DESIGN.md, invariant "Crash-safe checkpoints"):
 *
 * ```
 * DIR/step-00000040/  step-00000042/  ...   complete checkpoints (layout: checkpoint-manifest.ts)
 * DIR/best.json                             {"step": 40, "dir": "step-00000040"}, replaced atomically
 * DIR/step-00000030/notes.md                an old checkpoint's directory holding a user's files: not a checkpoint
 *                                           (only its checkpoint files were removed with it: {@link foreignCheckpointFiles})
 * DIR/step-00000030.kept-1/notes.md         such a directory moved aside when step 30 was saved again: not the store's
 *                                           (checkpoint-kept-directory.ts)
 * DIR/.tmp-step-00000042-PID-N/ .tmp-best.json-PID-N/ .tmp-removed-PID-N/
 *                                           half-done writes of a crashed process: never read, removed by save()
 *                                           (only these names: a user's `.tmp-x` is theirs: {@link isStoreTemporary})
 * ```
 * A save publishes the directory with `publishDirectory` (src/core/durable-fs.ts: a `.tmp-` directory, each file
 * and the directory fsynced, renamed into place, DIR fsynced): a reader (or a process restarted after SIGKILL or
 * power loss) sees the previous set of checkpoints or the new one, never a half-written one. One writing process
 * per DIR.
 */
import type { Dirent } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RunConfig } from '../core/config';
import { deadTemporaries, fsyncDirectory, moveAside, publishDirectory, replaceFileAtomically, temporaryOf } from '../core/durable-fs';
import { isLockFileName } from '../core/directory-lock';
import { CheckpointError, ConfigError, FileReadError } from '../core/errors';
import { readBoundedFile } from '../core/bounded-file';
import { firstNames } from '../core/first-names';
import { makeDirectory } from '../core/make-directory';
import { CHECKPOINT_FILES, foreignCheckpointFiles, isCheckpointFile, removeCheckpointFiles } from './checkpoint-foreign-files';
import { publishKeepingUsersFiles } from './checkpoint-kept-directory';
import { encodeCheckpoint, type CheckpointInput } from './checkpoint-encode';
import { loadCheckpoint, type Checkpoint } from './checkpoint-load';
import { parseStepDirName, stepDirName } from './checkpoint-manifest';

/** Name of the pointer to the best checkpoint. */
export const BEST_FILE = 'best.json';

/**
 * Whether `finalName` is one whose temporaries a save creates in the store's directory (src/core/durable-fs.ts's
 * `tempNameFor`, `.tmp-<final name>-<pid>-<n>`): a checkpoint being staged (`.tmp-step-00000042-PID-N`), `best.json`
 * being replaced (`.tmp-best.json-PID-N`) and a checkpoint moved aside to be removed (`.tmp-removed-PID-N`).
 */
function isStoreFinalName(finalName: string): boolean {
  return parseStepDirName(finalName) !== undefined || finalName === BEST_FILE || finalName === 'removed';
}

/**
 * Whether `name` is one of the temporary names a save of this store creates (what a killed save leaves, which the
 * next save removes). Anything else starting with `.tmp-` (a user's `.tmp-x`) is not the store's: it is neither
 * removed nor taken for a run's.
 */
export function isStoreTemporary(name: string): boolean {
  const finalName = temporaryOf(name)?.finalName;
  return finalName !== undefined && isStoreFinalName(finalName);
}

/**
 * The largest {@link BEST_FILE} read, in bytes (4 KiB): it holds `{"step": N, "dir": "step-NNNNNNNN"}`, about 40
 * bytes; a larger one is not one this store wrote, and is refused by its size rather than read.
 */
export const MAX_BEST_FILE_BYTES = 4 << 10;

/** Options of a {@link CheckpointStore}. */
export interface CheckpointStoreOptions {
  /** Newest checkpoints kept; the best one is kept in addition. Positive integer (config `training.keepCheckpoints`). */
  readonly keep: number;
}

/** Costs of one save, for metrics. */
export interface SaveResult {
  /** The published checkpoint directory. */
  readonly path: string;
  readonly step: number;
  /** Bytes of the three files written (manifest included). */
  readonly bytesWritten: number;
  /** Seconds spent serializing and hashing. */
  readonly encodeSeconds: number;
  /** Seconds spent writing, fsyncing and renaming (best pointer included). */
  readonly writeSeconds: number;
  /** Seconds of the whole save, removal of old checkpoints included. */
  readonly totalSeconds: number;
  /**
   * One line per old checkpoint directory that removing old checkpoints left in place because it holds files that
   * are not a checkpoint's (a user's notes), naming it and them; its checkpoint files were removed. And one when
   * the directory of the step saved held such files and was moved aside to keep them, naming where
   * (checkpoint-kept-directory.ts).
   */
  readonly warnings: readonly string[];
}

/** A published checkpoint directory, found by name only (not verified). */
export interface CheckpointEntry {
  readonly step: number;
  readonly path: string;
}

/** The result of {@link CheckpointStore.loadLatest}: the newest valid checkpoint and why newer ones were skipped. */
export interface LatestCheckpoint {
  readonly checkpoint: Checkpoint;
  /** One line per skipped newer checkpoint, naming its directory and the reason. */
  readonly warnings: readonly string[];
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * The checkpoints of one run, in directory `dir` (created on first save).
 * @example
 * const store = new CheckpointStore('runs/demo/checkpoints', { keep: 3 });
 * await store.save({ step, params, optimizer, configHash, rng, metrics, best: valLoss < bestLoss });
 * const resumed = await store.loadLatest(configHash); // undefined on a fresh run
 */
export class CheckpointStore {
  private queue: Promise<unknown> = Promise.resolve();

  /** @throws ConfigError when `keep` is not a positive integer. */
  constructor(
    readonly dir: string,
    private readonly options: CheckpointStoreOptions,
  ) {
    if (!Number.isSafeInteger(options.keep) || options.keep < 1) {
      throw new ConfigError('training.keepCheckpoints', `must be a positive integer, got ${options.keep}`);
    }
  }

  /**
   * Writes the checkpoint of `input.step` as `dir/step-NNNNNNNN/`, replacing one of the same step (a resume that
   * skipped a corrupt checkpoint saves that step again; one holding files that are not a checkpoint's is moved aside
   * to `step-NNNNNNNN.kept-1` first, named in the result's `warnings`), updates `best.json` when `input.best`, removes
   * checkpoints beyond the newest `keep` (the best one excepted) and the `.tmp-` leftovers of crashed saves. An old
   * checkpoint's directory holding files that are not a checkpoint's loses only its checkpoint files, and is named in
   * the result's `warnings`.
   * Calls are serialized: a save starts when the previous one has finished.
   * @throws CheckpointError when the input is invalid (step, optimizer step, empty configHash, a non-finite metric,
   *   rng/extra not JSON); ShapeError when a moment's spec differs from the parameters'; DirectoryError when the
   *   checkpoint directory cannot be created; WriteError naming the file when writing fails (ENOSPC, EACCES …), in
   *   which case no temporary directory is left and the checkpoints already published are untouched.
   */
  save(input: CheckpointInput): Promise<SaveResult> {
    const run = this.queue.then(() => this.saveNow(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async saveNow(input: CheckpointInput): Promise<SaveResult> {
    const t0 = performance.now();
    const files = encodeCheckpoint(input);
    const t1 = performance.now();

    await makeDirectory(this.dir);
    await this.removeLeftovers();
    const name = stepDirName(input.step);
    const final = join(this.dir, name);
    const published = await publishKeepingUsersFiles(final, input.step, () => publishDirectory(final, files, { replace: true }));
    const bytesWritten = published.result;
    if (input.best) await replaceFileAtomically(join(this.dir, BEST_FILE), Buffer.from(`${JSON.stringify({ step: input.step, dir: name })}\n`));
    const t2 = performance.now();

    const warnings = [...published.warnings, ...(await this.prune(input.best ? input.step : await this.bestStep()))];
    const t3 = performance.now();
    return { path: final, step: input.step, bytesWritten, encodeSeconds: (t1 - t0) / 1000, writeSeconds: (t2 - t1) / 1000, totalSeconds: (t3 - t0) / 1000, warnings };
  }

  /**
   * Removes the temporary entries of `dir` a save creates ({@link isStoreTemporary}) whose writer is gone: what a
   * crashed save left (src/core/durable-fs.ts deadTemporaries). Other `.tmp-` entries are not the store's and are left
   * as they are.
   */
  private async removeLeftovers(): Promise<void> {
    for (const path of deadTemporaries(this.dir, isStoreFinalName)) await rm(path, { recursive: true, force: true });
  }

  /**
   * Removes checkpoints older than the newest `keep`, except `bestStep`: a directory holding only a checkpoint's
   * files whole (moved aside, then removed), one holding other files too (a user's `notes.md`) only its checkpoint
   * files, leaving it with the others (then it is no checkpoint: {@link list}).
   * @returns one line per directory left in place, naming it and the files it keeps.
   */
  private async prune(bestStep: number | undefined): Promise<string[]> {
    const all = (await this.stepDirectoriesHolding()).filter((entry) => entry.others === undefined);
    const doomed = all.slice(0, Math.max(0, all.length - this.options.keep)).filter((e) => e.step !== bestStep);
    const kept: string[] = [];
    const aside: string[] = [];
    for (const e of doomed) {
      if (e.foreign.length > 0) {
        await removeCheckpointFiles(e.path);
        kept.push(`kept ${e.path}, which holds files that are not a checkpoint's (${firstNames(e.foreign)}): only its checkpoint files were removed; move the rest elsewhere`);
        continue;
      }
      const moved = await moveAside(e.path);
      if (moved) aside.push(moved);
    }
    if (aside.length === 0) return kept;
    await fsyncDirectory(this.dir);
    for (const path of aside) await rm(path, { recursive: true, force: true });
    return kept;
  }

  /**
   * The step best.json points to, or undefined when there is none.
   * @throws CheckpointError when it cannot be read, is larger than {@link MAX_BEST_FILE_BYTES} (naming the file and
   *   the limit) or is malformed.
   */
  async bestStep(): Promise<number | undefined> {
    let text: string;
    try {
      text = readBoundedFile(join(this.dir, BEST_FILE), MAX_BEST_FILE_BYTES).toString('utf8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (e instanceof FileReadError) throw new CheckpointError(`${e.message}${e.reason === 'too-large' ? ' for best.json, which holds {"step": N, "dir": "step-NNNNNNNN"}' : ''}`, { cause: e });
      throw e;
    }
    let pointer: unknown;
    try {
      pointer = JSON.parse(text);
    } catch (e) {
      throw new CheckpointError(`${join(this.dir, BEST_FILE)}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    const { step, dir } = (pointer ?? {}) as { step?: unknown; dir?: unknown };
    if (typeof dir !== 'string' || parseStepDirName(dir) === undefined || parseStepDirName(dir) !== step) {
      throw new CheckpointError(`${join(this.dir, BEST_FILE)}: ${text.trim()} is not {"step": N, "dir": "step-NNNNNNNN"} with matching step`);
    }
    return step as number;
  }

  /**
   * Published checkpoint directories by name, oldest first; `.tmp-` entries and other files are ignored, and so is a
   * `step-` directory holding files but none of a checkpoint's (what removing an old checkpoint leaves of one holding
   * a user's files: {@link prune}). Does not verify them (see {@link load}). An absent `dir` has none.
   * @throws CheckpointError naming `dir` when it is a file.
   */
  async list(): Promise<CheckpointEntry[]> {
    return (await this.stepDirectoriesHolding()).filter((entry) => entry.others === undefined).map(({ step, path }) => ({ step, path }));
  }

  /**
   * The directories of `dir` named as checkpoints' ({@link stepDirectories}), oldest first, each with the names it
   * holds that are not a checkpoint's files ({@link isCheckpointFile}) as `foreign`, sorted (none when it cannot be
   * listed), and, when it holds files but none of a checkpoint's, the same names as `others`: no checkpoint. One that
   * is empty or cannot be listed is taken for a checkpoint (loading it says why it is none).
   */
  private async stepDirectoriesHolding(): Promise<Array<CheckpointEntry & { foreign: string[]; others?: string[] }>> {
    const found: Array<CheckpointEntry & { foreign: string[]; others?: string[] }> = [];
    for (const entry of await this.stepDirectories()) {
      const inside = await readdir(entry.path, { withFileTypes: true }).catch(() => undefined);
      const foreign = (inside ?? []).filter((e) => !isCheckpointFile(e)).map((e) => e.name).sort();
      if (inside === undefined || inside.length === 0 || inside.some(isCheckpointFile)) found.push({ ...entry, foreign });
      else found.push({ ...entry, foreign, others: foreign });
    }
    return found;
  }

  /**
   * The directories of `dir` named as checkpoints' (`step-00000042`), oldest first, checkpoints or not, among
   * `entries` (`dir`'s, listed when not given).
   */
  private async stepDirectories(entries?: readonly Dirent[]): Promise<CheckpointEntry[]> {
    const found: CheckpointEntry[] = [];
    for (const entry of entries ?? (await this.entries())) {
      const step = parseStepDirName(entry.name);
      if (step !== undefined && entry.isDirectory()) found.push({ step, path: join(this.dir, entry.name) });
    }
    return found.sort((a, b) => a.step - b.step);
  }

  /**
   * The names in `dir` that this store does not write (a user's notes, another program's files), sorted: all but
   * checkpoint directories (whose files that are not a checkpoint's are named by their path from `dir`,
   * `step-00000250/notes.md`: {@link foreignCheckpointFiles}), {@link BEST_FILE} when it holds what a save writes
   * there (a user's `best.json` of other content is theirs, which a save would replace) and the temporary entries a
   * save creates ({@link isStoreTemporary}: saves in progress, or what a crashed one left, which the next save
   * removes; a user's `.tmp-x` is named), and a lock's file (`dir` linked from a run directory is locked by the run:
   * src/cli/run-directory-lock.ts). An absent `dir` has none.
   * @throws CheckpointError naming `dir` when it is a file.
   */
  async otherEntries(): Promise<string[]> {
    const best = await this.bestStep().then(
      () => true,
      () => false,
    );
    const written = (entry: Dirent) => (entry.isDirectory() && parseStepDirName(entry.name) !== undefined) || (entry.name === BEST_FILE && best) || isStoreTemporary(entry.name) || (isLockFileName(entry.name) && entry.isFile());
    const entries = await this.entries();
    const inCheckpoints = (await foreignCheckpointFiles(await this.stepDirectories(entries))).flatMap(({ path, names }) => names.map((name) => `${basename(path)}/${name}`));
    return [
      ...entries.filter((entry) => !written(entry)).map((entry) => entry.name),
      ...inCheckpoints,
    ].sort();
  }

  /** The entries of `dir` (none when it is absent). @throws CheckpointError naming `dir` when it is a file. */
  private async entries(): Promise<Dirent[]> {
    try {
      return await readdir(this.dir, { withFileTypes: true });
    } catch (e) {
      if (isNotFound(e)) return [];
      // A file where the checkpoints' directory goes (a user's file named `checkpoints`): readdir's ENOTDIR, named.
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new CheckpointError(`${this.dir} is a file, not a directory of checkpoints: move it elsewhere, or give the run another directory`);
      throw e;
    }
  }

  /**
   * The newest checkpoint that passes verification. Newer ones that fail (truncated, sha256 mismatch, missing or
   * bad manifest) are skipped, each with a warning naming its directory and the reason, and so is each newer
   * `step-` directory holding files but none of a checkpoint's (its files moved out, or an interrupted copy's
   * leftovers), which {@link list} does not list: `skipped runs/x/checkpoints/step-00000003, which holds none of a
   * checkpoint's files (manifest.json, params.safetensors, optimizer.safetensors), only others (.params.safetensors.x):
   * if its checkpoint was moved elsewhere, move it back to resume from it`.
   * @param expectedConfigHash the resuming run's config hash; when given, a checkpoint of another hash is refused.
   * @param changedFields when given, the fields of the resuming run's config that differ from the config recorded
   *   in the checkpoint (`extra.config`), as `path: a → b` lines, listed in a refusal (`configDifferences` for a run).
   *   A hash covers other fields than another's: the caller says which.
   * @returns undefined when `dir` holds no checkpoint (a fresh run).
   * @throws CheckpointError when the newest valid checkpoint has another config hash (resuming a different run
   *   would be wrong), or when checkpoints exist but none is valid (the reasons listed).
   */
  async loadLatest(expectedConfigHash?: string, changedFields?: (recorded: RunConfig) => string[]): Promise<LatestCheckpoint | undefined> {
    const entries = await this.stepDirectoriesHolding();
    if (entries.every((entry) => entry.others !== undefined)) return undefined;
    const warnings: string[] = [];
    for (const entry of entries.reverse()) {
      if (entry.others !== undefined) {
        warnings.push(
          `skipped ${entry.path}, which holds none of a checkpoint's files (${CHECKPOINT_FILES.join(', ')}), only others (${firstNames(entry.others)}): ` +
            'if its checkpoint was moved elsewhere, move it back to resume from it',
        );
        continue;
      }
      let checkpoint: Checkpoint;
      try {
        checkpoint = await loadCheckpoint(entry.path);
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw e;
        warnings.push(`skipped corrupt ${e.message}`);
        continue;
      }
      if (expectedConfigHash !== undefined && checkpoint.configHash !== expectedConfigHash) {
        const recorded = checkpoint.extra['config'] as RunConfig | undefined;
        const changed = changedFields && recorded ? changedFields(recorded) : [];
        throw new CheckpointError(
          `checkpoint ${entry.path} was written by config hash ${checkpoint.configHash}, but this run's config hash is ` +
            `${expectedConfigHash}${changed.length > 0 ? ` (changed: ${changed.join('; ')})` : ''}; resuming a different run would be wrong ` +
            `(use another checkpoint directory or the original config)`,
        );
      }
      return { checkpoint, warnings };
    }
    throw new CheckpointError(`no valid checkpoint in ${this.dir}: ${warnings.join('; ')}`);
  }

  /** Loads one checkpoint directory with full verification; see {@link loadCheckpoint}. */
  load(path: string): Promise<Checkpoint> {
    return loadCheckpoint(path);
  }

  /**
   * The checkpoint of `step`, verified.
   * @throws CheckpointError when it is missing or fails verification.
   */
  loadStep(step: number): Promise<Checkpoint> {
    return loadCheckpoint(join(this.dir, stepDirName(step)));
  }

  /**
   * The checkpoint `best.json` points to, verified.
   * @returns undefined when no checkpoint was ever marked best.
   * @throws CheckpointError when best.json is malformed or the checkpoint it names fails verification.
   */
  async loadBest(): Promise<Checkpoint | undefined> {
    const step = await this.bestStep();
    return step === undefined ? undefined : loadCheckpoint(join(this.dir, stepDirName(step)));
  }
}
