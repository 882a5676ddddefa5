/**
 * Prometheus Operator monitors (monitoring.coreos.com/v1): a ServiceMonitor for the coordinator's Service and
 * a PodMonitor for the worker and compressor pods (they have no Service). Both carry the `release` label that
 * kube-prometheus-stack's Prometheus selects monitors by (`kubernetes.monitoring.release`).
 */
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { COMPONENT_LABEL, RUN_LABEL, runNames, selectorLabels } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import type { DeploySettings } from './settings';

/** Scrape interval of every metrics endpoint of a run. */
export const SCRAPE_INTERVAL = '15s';

/** ServiceMonitor `<run>-metrics`: the coordinator Service's `metrics` port. */
export function renderServiceMonitor(s: DeploySettings): IServiceMonitor & { metadata: RunObjectMeta } {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: objectMeta(s, runNames(s.run).monitor, 'monitoring', { release: s.kubernetes.monitoring.release }),
    spec: {
      selector: { matchLabels: selectorLabels(s.run, 'coordinator') },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: SCRAPE_INTERVAL }],
    },
  };
}

/** PodMonitor `<run>-metrics`: the `metrics` port of the worker and compressor pods. */
export function renderPodMonitor(s: DeploySettings): IPodMonitor & { metadata: RunObjectMeta } {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: objectMeta(s, runNames(s.run).monitor, 'monitoring', { release: s.kubernetes.monitoring.release }),
    spec: {
      selector: {
        matchLabels: { [RUN_LABEL]: s.run },
        matchExpressions: [{ key: COMPONENT_LABEL, operator: 'In', values: ['worker', 'compressor'] }],
      },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: SCRAPE_INTERVAL }],
    },
  };
}
