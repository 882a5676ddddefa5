import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parse, stringify } from 'yaml';
import { packageFile } from '../../src/core/package-root';
import { DASHBOARD_KEY, renderDashboardConfigMap, renderPrometheusRule } from '../../src/k8s/render-observability';
import { compileDeploySettings } from '../../src/k8s/settings';
import { requireBinary } from '../support/binaries';
import { tempDir } from '../support/harness';
import { exampleConfig } from './stub/harness';

const settings = compileDeploySettings(exampleConfig());

test('the dashboard ConfigMap carries the grafana_dashboard label the Grafana sidecar selects, and the dashboard file verbatim', () => {
  const cm = renderDashboardConfigMap(settings);
  new ConfigMap(cm).validate();
  assert.equal(cm.metadata.labels.grafana_dashboard, '1');
  assert.equal(cm.metadata.namespace, settings.namespace);
  assert.equal(cm.data![DASHBOARD_KEY], readFileSync(packageFile('dashboards/metatrain.json'), 'utf8'));
  assert.equal((JSON.parse(cm.data![DASHBOARD_KEY]!) as { uid: string }).uid, 'metatrain');
  assert.ok(Buffer.byteLength(JSON.stringify(cm)) < 1024 * 1024, 'fits the 1 MiB object limit');
  assert.equal(cm.metadata.labels['metatrain.dev/run'], undefined, 'shared by every run: stop does not delete it');
});

test('the PrometheusRule holds the rules of dashboards/alerts.yml with the release label, and promtool accepts its groups', () => {
  const rule = renderPrometheusRule(settings);
  new PrometheusRule(rule).validate();
  assert.equal(rule.metadata.labels.release, settings.kubernetes.monitoring.release);
  assert.deepEqual(rule.spec!.groups, (parse(readFileSync(packageFile('dashboards/alerts.yml'), 'utf8')) as { groups: unknown }).groups);
  const file = join(tempDir(), 'rules.yml');
  writeFileSync(file, stringify({ groups: rule.spec!.groups }));
  const check = spawnSync(requireBinary('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});
