/**
 * Where a compression can be published, checked before it runs: its result directory (`compress --out`, default `<run
 * dir>/compressed`; the compression stage of `metatrain run`, always `<run dir>/compressed`) is published in one rename
 * at the end (src/compress/compress-job.ts), which a file or a directory holding other files there would make fail
 * after all the work (ENOTDIR, ENOTEMPTY), and which would replace an empty directory there, its permissions with it (a
 * 700 directory would become 755; `adapt` refuses one too). A directory holding a committed compression is left to the
 * job (src/compress/other-compression.ts): it is reused when it is the job's own result and intact, else refused naming
 * it; a resumed run checks up front what of this it can (src/compress/committed-files.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { committedReport, REPORT_FILE } from '../compress/compression-report';
import { assertReplaceable, assertReusable } from '../compress/committed-files';
import { isOfRun } from '../compress/other-compression';
import { settingDifferences } from '../compress/compression-settings';
import { compressedDir, configHash, type RunConfig } from '../core/config';
import { emptyDirectoryInTheWay } from '../core/durable-fs';
import { firstNames } from '../core/first-names';
import { fileInTheWay, fileInTheWayWords } from '../core/make-directory';
import { refuseLinkedOutDirectory } from './out-directory';

/** What to do when the run's compressed model directory cannot take the result: it is always `<run dir>/compressed`. */
const RUN_COMPRESSED_ADVICE = 'set compression.enabled: false and compress afterwards with metatrain compress --out DIR';

/** What is in the way at a result directory, and what to do about it. */
export interface OutDirProblem {
  /** E.g. "runs/x/compressed already exists and holds other files (notes.txt)". */
  readonly problem: string;
  /**
   * `file`: something other than a directory is there; `empty`: an empty directory (the result, a new directory
   * renamed to its path, would replace it and its permissions, as `adapt` refuses); `others`: a directory holding
   * other files.
   */
  readonly kind: 'file' | 'empty' | 'others';
}

/**
 * What keeps a compression from being published as `outDir`; undefined when nothing does: `outDir` is missing or
 * holds a committed result ({@link REPORT_FILE}).
 */
export function compressionOutDirProblem(outDir: string): OutDirProblem | undefined {
  const file = fileInTheWay(outDir);
  if (file !== undefined) return { kind: 'file', problem: fileInTheWayWords(file) };
  if (!existsSync(outDir)) return undefined;
  const entries = readdirSync(outDir);
  if (entries.length === 0) return { kind: 'empty', problem: emptyDirectoryInTheWay(outDir) };
  if (entries.includes(REPORT_FILE)) return undefined;
  return { kind: 'others', problem: `${outDir} already exists and holds other files (${firstNames(entries)})` };
}

/**
 * Refuses, before a run starts, a `<run dir>/compressed` its compression stage could not publish to: a symbolic link
 * ({@link refuseLinkedOutDirectory}), a file, an empty directory, a directory holding other files or a
 * `compression.json` that is no report, for a new run (not `resume`) a committed compression, which is an earlier
 * run's, and for a resumed one a compression not of this run and config, which the run would not replace; for a resumed
 * one, too, this run's compression beside files its compression.json does not list (which the run's compression would
 * remove in replacing it) and, when made with the config's settings (so that the run may reuse it, if its best
 * checkpoint stays the one compressed), with a listed file missing or of another size or sha256 (call it after the
 * checkpoints were found to fit: a new run's do not exist yet). Used by `run` (its compression stage) and by
 * `coordinator` when it schedules the compression on NATS (a `metatrain compressor` publishes it).
 * @param writer what publishes the directory, for the message about a link: `run`, `the compressor`.
 * @throws OutputLinkError for a link; OtherCompressionError for a compression.json that is no report (a link to
 *   nothing included) or files beside the run's compression; DamagedCompressionError for a damaged one the run may
 *   reuse; Error naming the directory, what is there and what to do otherwise.
 */
export async function assertRunCompressedDirectory(config: RunConfig, resume: boolean, writer: string): Promise<void> {
  const dir = compressedDir(config);
  refuseLinkedOutDirectory(dir, writer, false, `remove the link, or ${RUN_COMPRESSED_ADVICE}`);
  const blocked = compressionOutDirProblem(dir);
  const where = `the result directory ${dir} (where the run publishes its compressed model)`;
  if (blocked) throw new Error(`${where}: ${blocked.problem}; ${blocked.kind === 'others' ? 'move them elsewhere' : 'remove it'}, or ${RUN_COMPRESSED_ADVICE}`);
  const earlier = await committedReport(dir);
  if (!earlier) return;
  if (!resume) throw new Error(`${where} already holds the compression of ${earlier.checkpoint} (step ${earlier.step}), an earlier run's (this one has no checkpoint yet); a new run does not replace it: move it elsewhere or remove it`);
  // Resumed: the run replaces its own earlier compression at the end (src/compress/other-compression.ts), not another's.
  if (!isOfRun(earlier, config.name, configHash(config))) {
    throw new Error(`${where} already holds the compression of ${earlier.checkpoint} (step ${earlier.step}, job ${earlier.jobId}), not one of this run's checkpoints with this config; the run would not replace it: move it elsewhere or remove it`);
  }
  assertReplaceable(dir, earlier);
  if (settingDifferences(earlier, config).length === 0) assertReusable(dir, earlier);
}
