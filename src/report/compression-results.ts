/**
 * `compression.json` in a run directory, as the report reads it: written by the compressor once a compression
 * job ends (src/compress). One entry per model compared, the uncompressed meta-initialization first:
 *
 * ```json
 * { "metricName": "accuracy",
 *   "models": [
 *     { "name": "meta-learned fp32", "bytes": 812345, "metric": { "mean": 0.61, "ci95": 0.03 } },
 *     { "name": "int8", "bytes": 210112, "metric": { "mean": 0.60, "ci95": 0.03 } } ] }
 * ```
 * `bytes` is the size of the exported model file; `metric` the few-shot metric after adaptation on the run's
 * meta-test tasks (mean and 95% CI half-width). Other fields are allowed and ignored.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DatasetError } from '../core/errors';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const compressionResultsSchema = z.object({
  /** `accuracy` or `mse`, as in summary.json. */
  metricName: z.string().min(1),
  models: z
    .array(
      z.object({
        name: z.string().min(1),
        bytes: z.number().int().positive(),
        metric: z.object({ mean: finite, ci95: finite.nonnegative().default(0) }),
      }),
    )
    .min(1),
});

/** Parsed `compression.json`. */
export type CompressionResults = z.infer<typeof compressionResultsSchema>;

/** Name of the file in the run directory. */
export const COMPRESSION_FILE = 'compression.json';

/**
 * Reads `<dir>/compression.json`; undefined when there is none (no compression ran, or it has not finished).
 * @throws DatasetError naming the file and the failing field when it exists but is not valid.
 */
export async function readCompressionResults(dir: string): Promise<CompressionResults | undefined> {
  const path = join(dir, COMPRESSION_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DatasetError(path, (err as Error).message, undefined, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(path, `not JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  const parsed = compressionResultsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DatasetError(path, `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
