/**
 * The files of a committed compression checked against its `compression.json` (which lists each output file's size
 * and sha256), before metatrain takes the directory as it is: a compression reused as a job's result must have every
 * file it lists, with the recorded size and sha256 (a truncated or overwritten model would otherwise be reported as
 * the run's compressed model), and a compression about to be replaced must hold nothing it does not list (the
 * replacement removes the whole directory, and with it a file put there by hand). Files it does not list do not keep
 * a compression from being reused: nothing is written or removed there then. Nothing is ever removed by these checks.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readBoundedFile } from '../core/bounded-file';
import { DamagedCompressionError, FileReadError, OtherCompressionError } from '../core/errors';
import { digestMismatch, fileDigestSchema, type FileDigest } from '../core/file-digest';
import { firstNames } from '../core/first-names';
import { MAX_SAFETENSORS_FILE_BYTES } from '../core/safetensors';
import { COMPRESSED_MODEL_FILE } from './compressed-model';
import { ONNX_FILE, REPORT_FILE, type CompressionReport } from './compression-report';

/** What a report's `files` must be: plain file names (no `/`, `.` or `..`, not the report) → size and sha256. */
const listedFilesSchema = z
  .record(z.string(), fileDigestSchema.refine((d) => d.bytes <= MAX_SAFETENSORS_FILE_BYTES, { message: `more than the ${MAX_SAFETENSORS_FILE_BYTES} bytes a compression writes` }))
  .superRefine((files, ctx) => {
    for (const name of Object.keys(files)) {
      if (/[/\\]/.test(name) || name === '.' || name === '..' || name === REPORT_FILE) ctx.addIssue({ code: 'custom', path: [name], message: 'not a plain file name of the directory' });
    }
    if (!(COMPRESSED_MODEL_FILE in files && ONNX_FILE in files)) ctx.addIssue({ code: 'custom', message: `does not list both ${COMPRESSED_MODEL_FILE} and ${ONNX_FILE}, which every compression writes` });
  });

/**
 * What is wrong with each file `report` lists in `outDir`, one problem per file, e.g. `model.onnx is missing`,
 * `truncated: model.safetensors holds 100 bytes, compression.json says 5120`, `model.onnx: 6000 bytes, more than the
 * 5000 bytes allowed (the size compression.json lists)`, `model.onnx fails its sha256 check (file …, compression.json
 * …); corrupt`; or a single problem with the listing itself (`compression.json files: …`). Empty when every listed
 * file is as recorded. Each file is read whole, at most the size the report lists for it (a larger one is refused by
 * its size, unread); a listed size over MAX_SAFETENSORS_FILE_BYTES (2 GiB) is refused as no size a compression writes.
 */
export function damagedFiles(outDir: string, report: CompressionReport): string[] {
  const listed = listedFilesSchema.safeParse(report.files);
  if (!listed.success) return [`${REPORT_FILE} files: ${listed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`];
  return Object.entries(listed.data).flatMap(([name, expected]) => {
    const problem = fileProblem(outDir, name, expected);
    return problem === undefined ? [] : [problem];
  });
}

/** What is wrong with the file `name` of `outDir` against its listing `expected`, or undefined when nothing is. */
function fileProblem(outDir: string, name: string, expected: FileDigest): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(join(outDir, name), expected.bytes);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    if (e.code === 'ENOENT') return `${name} is missing`;
    return `${name}: ${e.detail}${e.reason === 'too-large' ? ` (the size ${REPORT_FILE} lists)` : ''}`;
  }
  return digestMismatch(name, bytes, expected, REPORT_FILE);
}

/** The entries of `outDir` that are neither {@link REPORT_FILE} nor a file `report` lists, sorted. */
export function unlistedFiles(outDir: string, report: CompressionReport): string[] {
  const listed = new Set([REPORT_FILE, ...Object.keys(report.files ?? {})]);
  return readdirSync(outDir)
    .filter((entry) => !listed.has(entry))
    .sort();
}

/** `report`'s compression in words: `the compression of runs/x/checkpoints/step-00000010 (step 10)`. */
function compressionOf(report: CompressionReport): string {
  return `the compression of ${report.checkpoint} (step ${report.step})`;
}

/**
 * Checks, before the compression committed in `outDir` is reused, that every file its `report` lists is there with
 * the recorded size and sha256 ({@link damagedFiles}).
 * @throws DamagedCompressionError naming `outDir`, each damaged file with what was expected and found, and what to
 *   do, e.g. `runs/x/compressed holds the compression of runs/x/checkpoints/step-00000010 (step 10), but damaged:
 *   model.onnx is missing; it was left as it is and not reused: remove runs/x/compressed to compress again`.
 */
export function assertReusable(outDir: string, report: CompressionReport): void {
  const problems = damagedFiles(outDir, report);
  if (problems.length === 0) return;
  throw new DamagedCompressionError(`${outDir} holds ${compressionOf(report)}, but damaged: ${problems.join('; ')}; it was left as it is and not reused: remove ${outDir} to compress again`);
}

/**
 * Checks, before the compression committed in `outDir` is replaced (the whole directory is removed), that it holds
 * nothing its `report` does not list ({@link unlistedFiles}).
 * @throws OtherCompressionError naming `outDir` and the files (at most 3, then `…`), e.g. `runs/x/compressed holds,
 *   besides the compression of … (step 10), files its compression.json does not list (notes.txt), which replacing
 *   that compression would remove; it was left as it is: move them elsewhere`.
 */
export function assertReplaceable(outDir: string, report: CompressionReport): void {
  const unlisted = unlistedFiles(outDir, report);
  if (unlisted.length === 0) return;
    throw new OtherCompressionError(`${outDir} holds, besides ${compressionOf(report)}, files its ${REPORT_FILE} does not list (${firstNames(unlisted)}), which replacing that compression would remove; it was left as it is: move them elsewhere`);
}
