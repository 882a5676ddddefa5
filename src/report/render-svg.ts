/**
 * Vega-Lite → static SVG in Node, with no browser and no canvas: compile the Vega-Lite spec to Vega
 * (https://vega.github.io/vega-lite/usage/compile.html), run a headless Vega View (`renderer: 'none'`) and
 * serialise it with `view.toSVG()` (https://vega.github.io/vega/usage/#view-api). Text widths are estimated
 * (vega's fallback without node-canvas), which is good enough for axis labels and titles.
 *
 * vega and vega-lite are ES modules; vega-canvas contains a top-level await, so they are loaded with `import()`
 * (Node cannot `require()` an ES module graph with top-level await).
 */
import type { TopLevelSpec } from 'vega-lite';
import { MetatrainError } from '../core/errors';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let modules: Promise<{ vega: Vega; vl: VegaLite }> | undefined;

function load(): Promise<{ vega: Vega; vl: VegaLite }> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return modules;
}

/**
 * Makes every `id` of an SVG document unique within a page by prefixing it, and rewrites the references
 * (`url(#id)`, `href="#id"`): vega numbers its clip paths and gradients from 1 in every view, so two plots
 * inlined in one HTML page would otherwise share `clip1`.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  if (ids.size === 0) return svg;
  return svg
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : whole))
    .replace(/href="#([^"]+)"/g, (whole, id: string) => (ids.has(id) ? `href="#${prefix}-${id}"` : whole));
}

/**
 * Renders a Vega-Lite spec (with inline data) to an SVG document string; ids are prefixed with `id`.
 * @throws MetatrainError naming the plot when the spec does not compile or the view fails to render.
 */
export async function renderVegaLiteSvg(id: string, spec: TopLevelSpec): Promise<string> {
  const { vega, vl } = await load();
  try {
    const compiled = vl.compile(spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    return prefixSvgIds(svg, id);
  } catch (err) {
    throw new MetatrainError(`cannot render plot ${id}: ${(err as Error).message}`, { cause: err });
  }
}
