/**
 * Writes `report.html` into a run directory from what the run wrote: `summary.json` (coordinator) and, when a
 * compression succeeded, the `compression.json` it names. Passed to the coordinator by its callers (`metatrain run`,
 * `metatrain coordinator`) as `CoordinatorOptions.writeReport`, which calls it before the run's final phase.
 */
import { join } from 'node:path';
import { replaceFileAtomically } from '../core/durable-fs';
import { readSummary } from '../summary';
import { readCompressionResults } from './compression-results';
import { reportHtml } from './report-html';
import { reportPlots } from './report-plots';
import { renderVegaLiteSvg } from './render-svg';

/** Name of the report in the run directory. */
export const REPORT_FILE = 'report.html';

/**
 * Renders the report of the run in `dir` and writes it atomically (src/core/durable-fs.ts).
 * @returns the path of `report.html`.
 * @throws DatasetError when `summary.json`, or the `compression.json` it names, is missing or invalid;
 *   MetatrainError when a plot cannot be rendered; WriteError naming `report.html` when writing it fails (ENOSPC …;
 *   no temporary file is left).
 */
export async function writeRunReport(dir: string): Promise<string> {
  const summary = await readSummary(dir);
  const compression = await readCompressionResults(summary);
  const plots = [];
  for (const plot of reportPlots(summary, compression)) plots.push({ plot, svg: await renderVegaLiteSvg(plot.id, plot.spec) });
  const path = join(dir, REPORT_FILE);
  await replaceFileAtomically(path, Buffer.from(reportHtml(summary, plots, compression, new Date())));
  return path;
}
