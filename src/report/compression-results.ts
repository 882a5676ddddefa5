/**
 * The compression results a report shows, read from the job's `compression.json` (src/compress/
 * compression-report.ts) in the directory the run summary names (`summary.compression.outDir`): one entry per
 * model file, the float32 meta-initialization first, with its few-shot metric when it was measured.
 */
import { join } from 'node:path';
import type { RunSummary } from '../summary';
import { committedReport, REPORT_FILE, type CompressionReport } from '../compress/compression-report';
import { DatasetError } from '../core/errors';
import type { MeanCI } from '../core/stats';

/** One model compared in the report. */
export interface CompressedModelResult {
  name: string;
  bytes: number;
  /** Few-shot metric after adaptation on the meta-test tasks; absent for a file holding the same weights as another. */
  metric?: MeanCI;
}

/** What the report shows of a compression. */
export interface CompressionResults {
  /** `accuracy` or `mse`. */
  metricName: string;
  /** Meta-test tasks and adaptation steps of the metric. */
  tasks: number;
  adaptSteps: number;
  /** Fraction of zero weights after pruning, over all student parameters. */
  sparsity: number;
  models: CompressedModelResult[];
}

/** The models of a compression report, float32 teacher first. */
export function compressionResults(r: CompressionReport): CompressionResults {
  return {
    metricName: r.accuracy.metric,
    tasks: r.accuracy.tasks,
    adaptSteps: r.accuracy.adaptSteps,
    sparsity: r.sparsity.overall,
    models: [
      { name: 'meta-learned float32', bytes: r.sizes.float32Bytes, metric: r.accuracy.teacher.metric },
      { name: 'compressed (sparse int8)', bytes: r.sizes.compressedBytes, metric: r.accuracy.compressed.metric },
      { name: 'ONNX int8 (dense)', bytes: r.sizes.onnxBytes },
    ],
  };
}

/**
 * The compression results of a run: undefined when no compression succeeded.
 * @throws DatasetError naming the file when the summary says the compression succeeded but its `compression.json`
 *   is missing, not JSON, or not a compression report.
 */
export async function readCompressionResults(summary: RunSummary): Promise<CompressionResults | undefined> {
  const c = summary.compression;
  if (c?.status !== 'succeeded') return undefined;
  const path = join(c.outDir, REPORT_FILE);
  let report: CompressionReport | undefined;
  try {
    report = await committedReport(c.outDir);
  } catch (err) {
    throw new DatasetError(path, `unreadable compression report: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (!report) throw new DatasetError(path, 'missing, although the run summary says the compression succeeded');
  return compressionResults(report);
}
