/**
 * The monitoring objects every run of a namespace shares (applied once, like the namespace; never deleted by
 * `stop`): the Grafana dashboard as a ConfigMap labelled `grafana_dashboard: "1"`, which the Grafana sidecar of
 * kube-prometheus-stack provisions (https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-dashboards),
 * and the alert rules as a PrometheusRule (monitoring.coreos.com/v1) carrying the `release` label its Prometheus
 * selects rules by. Their sources are dashboards/metatrain.json and dashboards/alerts.yml; the dashboard selects
 * the run with its `run` variable and every alert carries the `run` label, so one copy serves every run.
 */
import { readFileSync } from 'node:fs';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parse } from 'yaml';
import { packageFile } from '../core/package-root';
import { APP_NAME, COMPONENT_LABEL } from './names';
import type { DeploySettings } from './settings';

/** Key of the dashboard JSON in the ConfigMap (the file name the sidecar writes). */
export const DASHBOARD_KEY = 'metatrain.json';

/** Metadata of a shared monitoring object: namespaced, no run label. */
interface SharedMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

function sharedMeta(s: DeploySettings, name: string, extraLabels: Record<string, string>): SharedMeta {
  const labels = { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/part-of': APP_NAME, [COMPONENT_LABEL]: 'monitoring', 'app.kubernetes.io/version': s.version, ...extraLabels };
  return { name, namespace: s.namespace, labels };
}

/** ConfigMap `metatrain-dashboard` with dashboards/metatrain.json under {@link DASHBOARD_KEY}. */
export function renderDashboardConfigMap(s: DeploySettings): IConfigMap & { metadata: SharedMeta } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: sharedMeta(s, `${APP_NAME}-dashboard`, { grafana_dashboard: '1' }),
    data: { [DASHBOARD_KEY]: readFileSync(packageFile('dashboards/metatrain.json'), 'utf8') },
  };
}

/** PrometheusRule `metatrain-alerts` with the rule groups of dashboards/alerts.yml. */
export function renderPrometheusRule(s: DeploySettings): IPrometheusRule & { metadata: SharedMeta } {
  const rules = parse(readFileSync(packageFile('dashboards/alerts.yml'), 'utf8')) as Pick<NonNullable<IPrometheusRule['spec']>, 'groups'>;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: sharedMeta(s, `${APP_NAME}-alerts`, { release: s.kubernetes.monitoring.release }),
    spec: { groups: rules.groups },
  };
}
