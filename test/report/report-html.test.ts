import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunSummary } from '../../src/coordinator/run-summary';
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
    assert.deepEqual(figures.map((f) => f.id), ['loss', 'val-metric', 'few-shot', 'throughput', 'workers']);
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

test('compression results in compression.json become a table and two plots with a bar per model', async () => {
  const models = [
    { name: 'meta-learned fp32', bytes: 4_000_000, metric: { mean: 0.61, ci95: 0.03 } },
    { name: 'pruned 50%', bytes: 2_100_000, metric: { mean: 0.6, ci95: 0.03 } },
    { name: 'int8', bytes: 1_000_000, metric: { mean: 0.59, ci95: 0.04 } },
  ];
  writeFileSync(join(runDir, 'compression.json'), JSON.stringify({ metricName: 'accuracy', models }));
  const path = await writeRunReport(runDir);
  const html = readFileSync(path, 'utf8');
  assert.match(html, /<h2>Compression<\/h2>/);
  assert.match(html, /4\.00×/, 'int8 is 4× smaller than fp32');
  const page = await openInChromium(pathToFileURL(path).href);
  try {
    const figures = await page.evaluate<RenderedFigure[]>(FIGURES);
    const byId = Object.fromEntries(figures.map((f) => [f.id, f.marks]));
    assert.deepEqual(byId['compression-size'], { rect: models.length });
    assert.deepEqual(byId['compression-metric'], { rect: models.length, rule: models.length });
    await page.screenshot(join(testOutputDir('report'), 'report-with-compression.png'));
  } finally {
    await page.close();
  }
});

test('an invalid compression.json is refused with the file and the failing field', async () => {
  writeFileSync(join(runDir, 'compression.json'), JSON.stringify({ metricName: 'accuracy', models: [{ name: 'int8', bytes: -1, metric: { mean: 0.5 } }] }));
  await assert.rejects(writeRunReport(runDir), (err: Error) => err instanceof DatasetError && /compression\.json/.test(err.message) && /models\.0\.bytes/.test(err.message));
});
