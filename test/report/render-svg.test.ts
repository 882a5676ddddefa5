import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml } from '../../src/report/report-html';
import { prefixSvgIds, renderVegaLiteSvg } from '../../src/report/render-svg';

test('SVG ids and their references get the plot prefix; other URLs are left alone', () => {
  const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><use href="#other"/><path fill="url(#gradient_0)"/></g></svg>';
  assert.equal(
    prefixSvgIds(svg, 'loss'),
    '<svg><defs><clipPath id="loss-clip1"><rect/></clipPath></defs><g clip-path="url(#loss-clip1)"><use href="#loss-clip1"/><use href="#other"/><path fill="url(#gradient_0)"/></g></svg>',
  );
});

test('text from a run is escaped for HTML', () => {
  assert.equal(escapeHtml(`<run a="1" b='2'> & more`), '&lt;run a=&quot;1&quot; b=&#39;2&#39;&gt; &amp; more');
});

test('a Vega-Lite spec renders to an SVG with one mark per data point, and a broken spec names the plot', async () => {
  const svg = await renderVegaLiteSvg('pts', { data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }, { x: 3, y: 1 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
  assert.match(svg, /^<svg /);
  assert.equal([...svg.matchAll(/<path [^>]*transform="translate/g)].length, 3);
  await assert.rejects(renderVegaLiteSvg('broken', { data: { values: [] }, mark: 'nope' } as never), /cannot render plot broken/);
});
