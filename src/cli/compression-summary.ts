/** Prints the result of a compression job (`compression.json`): sizes, sparsity, few-shot accuracy before/after, files. */
import { join } from 'node:path';
import Table from 'cli-table3';
import { tableStyle } from './options';
import type { CompressionReport } from '../compress/compression-report';
import { COMPRESSED_MODEL_FILE } from '../compress/compressed-model';
import { ONNX_FILE, REPORT_FILE } from '../compress/compression-report';
import type { MeanCI } from '../core/stats';

function score(x: MeanCI, percent: boolean): string {
  return percent ? `${(100 * x.mean).toFixed(1)}% ± ${(100 * x.ci95).toFixed(1)}` : `${x.mean.toFixed(3)} ± ${x.ci95.toFixed(3)}`;
}

/** Renders the report of the result in `outDir` as a table with the paths of its files. */
export function formatCompression(report: CompressionReport, outDir: string): string {
  const percent = report.accuracy.metric === 'accuracy';
  const a = report.accuracy;
  const table = new Table({ style: tableStyle() });
  table.push(
    { size: `${report.sizes.compressedBytes} B compressed checkpoint (${(100 * report.sizes.ratio).toFixed(1)}% of ${report.sizes.float32Bytes} B float32); ONNX ${report.sizes.onnxBytes} B (${(100 * report.sizes.onnxRatio).toFixed(1)}%)` },
    { student: `dModel/hidden ${report.student.model.kind === 'transformer' ? report.student.model.dModel : report.student.model.hidden.join('-')}, ${report.student.params} parameters, ${(100 * report.sparsity.pruned).toFixed(0)}% of pruned weights zero, int8 per channel` },
    { [`${a.metric} (${a.tasks} meta-test tasks, ${a.adaptSteps} steps)`]: `teacher ${score(a.teacher.metric, percent)} → compressed ${score(a.compressed.metric, percent)}` },
    { time: `${report.seconds.total.toFixed(0)} s` },
    { 'compression report': join(outDir, REPORT_FILE) },
    { 'ONNX model (int8)': join(outDir, ONNX_FILE) },
    { 'compressed checkpoint': join(outDir, COMPRESSED_MODEL_FILE) },
  );
  return `Compression:\n${table.toString()}`;
}
