import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompressionReport } from '../../src/compress/compression-report';
import type { RunSummary } from '../../src/summary';
import { DatasetError } from '../../src/core/errors';
import { writeRunReport } from '../../src/report/write-report';
import { openInChromium } from '../support/chromium';
import { runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';
import { testOutputDir } from '../support/test-output';

/** What the page shows of each plot: its SVG's mark items that have a visible size. */
interface RenderedFigure {
  id: string;
  svgs: number;
  marks: Record<string, number>;
}

const FIGURES = `[...document.querySelectorAll('figure.plot')].map((f) => {
  const svg = f.querySelector('svg');
  const marks = {};
  for (const g of svg ? svg.querySelectorAll('g[class^="mark-"]') : []) {
    const type = [...g.classList].find((c) => c.startsWith('mark-')).slice(5);
    if (type === 'group' || type === 'text') continue;
    const visible = [...g.children].filter((el) => { const b = el.getBBox(); return b.width > 0 || b.height > 0; }).length;
    if (g.closest('[class*="role-axis"], [class*="role-legend"]')) continue;
    marks[type] = (marks[type] || 0) + visible;
  }
  return { id: f.dataset.plot, svgs: f.querySelectorAll('svg').length, marks };
})`;

const dir = tempDir();
const runDir = join(dir, 'run');
let summary: RunSummary;

test('metatrain run writes report.html and prints its path', async () => {
  const result = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { name: 'report-run' })), '--workers', '2']);
  assert.equal(result.code, 0, result.stderr);
  const report = join(runDir, 'report.html');
  assert.ok(existsSync(report));
  assert.match(result.stdout, /report\.html/);
  summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
});

test('the report opens offline in headless Chromium and every plot renders the run’s data as SVG marks', async () => {
  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<script|<link|<img|@import|src=/i, 'self-contained: no script, stylesheet or image to fetch');
  const page = await openInChromium(pathToFileURL(join(runDir, 'report.html')).href);
  try {
    const figures = await page.evaluate<RenderedFigure[]>(FIGURES);
    assert.deepEqual(figures.map((f) => f.id), ['loss', 'val-metric', 'few-shot', 'throughput', 'workers', 'compression-size', 'compression-metric']);
    for (const f of figures) {
      assert.equal(f.svgs, 1, `${f.id} has one SVG`);
      assert.ok(Object.values(f.marks).reduce((a, b) => a + b, 0) > 0, `${f.id} has no visible marks: ${JSON.stringify(f.marks)}`);
    }
    const byId = Object.fromEntries(figures.map((f) => [f.id, f.marks]));
    const h = summary.history;
    // One point per meta-train step and per validation; one line per series.
    assert.deepEqual(byId['loss'], { line: 2, symbol: h.steps.length + h.valSteps.length });
    assert.deepEqual(byId['val-metric'], { line: 1, symbol: h.valSteps.length });
    // One CI band and one line per initialization, one point per adaptation step.
    const inits = summary.results.length;
    assert.deepEqual(byId['few-shot'], { area: inits, line: inits, symbol: inits * summary.results[0]!.metric.length });
    assert.deepEqual(byId['throughput'], { line: 1 });
    // Ids stay unique across the inlined SVGs (clip paths of different plots do not collide).
    const ids = await page.evaluate<string[]>(`[...document.querySelectorAll('[id]')].map((e) => e.id)`);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(' ')}`);
    // Nothing was fetched: the page is complete offline.
    assert.equal(await page.evaluate<number>(`performance.getEntriesByType('resource').length`), 0);
    const shot = join(testOutputDir('report'), 'report.png');
    await page.screenshot(shot);
    assert.ok(readFileSync(shot).length > 10_000, `screenshot ${shot} is empty`);
  } finally {
    await page.close();
  }
});

test('the run’s compression appears as a table and two plots: a bar per model file, a bar and a CI per measured model', async () => {
  const report = JSON.parse(readFileSync(join(runDir, 'compressed', 'compression.json'), 'utf8')) as CompressionReport;
  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.match(html, /<h2>Compression<\/h2>/);
  assert.ok(html.includes(`${(report.sizes.float32Bytes / report.sizes.compressedBytes).toFixed(2)}×`), 'size ratio of the compressed checkpoint');
  assert.ok(html.includes(`${report.accuracy.compressed.metric.mean.toFixed(4)} ± ${report.accuracy.compressed.metric.ci95.toFixed(4)}`), 'metric of the compressed model');
  const page = await openInChromium(pathToFileURL(join(runDir, 'report.html')).href);
  try {
    const figures = await page.evaluate<RenderedFigure[]>(FIGURES);
    const byId = Object.fromEntries(figures.map((f) => [f.id, f.marks]));
    assert.deepEqual(byId['compression-size'], { rect: 3 });
    assert.deepEqual(byId['compression-metric'], { rect: 2, rule: 2 });
  } finally {
    await page.close();
  }
});

test('a compression.json that is not a compression report is refused with the file and what is wrong', async () => {
  const path = join(runDir, 'compressed', 'compression.json');
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), format: 'something-else' }));
  await assert.rejects(writeRunReport(runDir), (err: Error) => err instanceof DatasetError && err.message.includes(path) && /is not a compression report \(format: Invalid input: expected "metatrain-compression-report"\)/.test(err.message));
});
