/**
 * The PromQL of dashboards/metatrain.json and dashboards/alerts.yml, as the tests send it to Prometheus: every
 * panel target with its row and panel title, Grafana's template variables substituted.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { packageFile } from '../../src/core/package-root';

/** A Grafana panel as far as the tests read it. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { type: string; uid: string } }>;
}

/** The dashboard JSON. */
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; datasource?: { type: string; uid: string } }> };
  [key: string]: unknown;
}

/** One query of a panel. */
export interface PanelQuery {
  row: string;
  panel: string;
  refId: string;
  expr: string;
}

/** The parsed dashboard file. */
export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(packageFile('dashboards/metatrain.json'), 'utf8')) as Dashboard;
}

/** Every target of every panel, with the title of the row above it. */
export function panelQueries(d: Dashboard): PanelQuery[] {
  let row = '';
  const out: PanelQuery[] = [];
  for (const p of d.panels) {
    if (p.type === 'row') row = p.title;
    for (const t of p.targets ?? []) out.push({ row, panel: p.title, refId: t.refId, expr: t.expr });
  }
  return out;
}

/** Alert rules of dashboards/alerts.yml: name and expression. */
export function alertRules(): Array<{ alert: string; expr: string }> {
  const file = parse(readFileSync(packageFile('dashboards/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return file.groups.flatMap((g) => g.rules);
}

/**
 * An expression as Grafana sends it: `$run` → the run, `$__rate_interval` → `rateInterval` (Grafana uses at
 * least four scrape intervals).
 */
export function substitute(expr: string, run: string, rateInterval: string): string {
  return expr.replaceAll('$__rate_interval', rateInterval).replaceAll('$run', run);
}
