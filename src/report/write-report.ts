/**
 * Writes `report.html` into a run directory from what the run wrote: `summary.json` (coordinator) and, when a
 * compression succeeded, the `compression.json` it names. Called by the coordinator at the end of every run.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../coordinator/run-summary';
import { DatasetError } from '../core/errors';
import { readCompressionResults } from './compression-results';
import { reportHtml } from './report-html';
import { reportPlots } from './report-plots';
import { renderVegaLiteSvg } from './render-svg';

/** Name of the report in the run directory. */
export const REPORT_FILE = 'report.html';

/**
 * Renders the report of the run in `dir` and writes it atomically (temporary name, then rename).
 * @returns the path of `report.html`.
 * @throws DatasetError when `summary.json`, or the `compression.json` it names, is missing or invalid;
 *   MetatrainError when a plot cannot be rendered.
 */
export async function writeRunReport(dir: string): Promise<string> {
  const summaryPath = join(dir, 'summary.json');
  let summary: RunSummary;
  try {
    summary = JSON.parse(await readFile(summaryPath, 'utf8')) as RunSummary;
  } catch (err) {
    throw new DatasetError(summaryPath, `cannot read the run summary: ${(err as Error).message}`, undefined, { cause: err });
  }
  const compression = await readCompressionResults(summary);
  const plots = [];
  for (const plot of reportPlots(summary, compression)) plots.push({ plot, svg: await renderVegaLiteSvg(plot.id, plot.spec) });
  const path = join(dir, REPORT_FILE);
  await writeFile(`${path}.tmp`, reportHtml(summary, plots, compression, new Date()));
  await rename(`${path}.tmp`, path);
  return path;
}
