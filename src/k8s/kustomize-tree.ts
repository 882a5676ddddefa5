/**
 * The kustomize tree of deploy/k8s, rendered from a run config with the same functions `metatrain launch` uses:
 * a base with the CPU-only form of the run (valid on any cluster), an overlay `cpu` that is the base, and an
 * overlay `gpu` whose only content is the strategic-merge patch of the worker Deployment
 * (renderWorkerDevicePatch). `kubectl kustomize deploy/k8s/overlays/<device>` therefore yields exactly
 * `renderRun` for that device (tested). With monitoring enabled, `observability/` holds what every run of the
 * namespace shares: the Grafana dashboard ConfigMap and the PrometheusRule (render-observability.ts), applied once
 * with `kubectl apply -k deploy/k8s/observability`. Kustomization reference: https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/.
 */
import { stringify } from 'yaml';
import type { RunConfig } from '../core/config';
import { COMPONENT_LABEL, type Component } from './names';
import { toYamlDocuments } from './manifest-yaml';
import { renderDashboardConfigMap, renderPrometheusRule } from './render-observability';
import { renderNamespace, renderRun, type KubeObject } from './render-run';
import { renderWorkerDevicePatch } from './render-workers';
import { compileDeploySettings } from './settings';

/** Files of the tree in the order the base lists them (one per component, plus the namespace). */
const BASE_FILES: ReadonlyArray<'namespace' | Component> = ['namespace', 'storage', 'coordinator', 'worker', 'compressor', 'monitoring'];

/** Path of the worker patch inside the gpu overlay. */
const GPU_PATCH_FILE = 'worker-gpu-patch.yaml';

/** Comment heading every generated file. */
function header(source: string): string {
  return `# Generated from ${source} by \`npx tsx deploy/k8s/generate.ts\`; do not edit (edit the config or src/k8s).\n`;
}

function kustomization(fields: Record<string, unknown>): string {
  return stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...fields }, { lineWidth: 0 });
}

/**
 * Renders the tree: relative path (`base/worker.yaml`, `overlays/gpu/kustomization.yaml`, ...) → file text.
 * `source` names the config file in the header comments.
 * @throws ConfigError when the config cannot be deployed (see compileDeploySettings).
 */
export function renderKustomizeTree(config: RunConfig, source: string): Map<string, string> {
  const cpu = compileDeploySettings(config, { device: 'cpu' });
  const gpu = compileDeploySettings(config, { device: 'gpu' });
  const byFile = new Map<string, KubeObject[]>([['namespace', [renderNamespace(cpu)]]]);
  for (const object of renderRun(cpu)) {
    const component = object.metadata.labels[COMPONENT_LABEL]!;
    byFile.set(component, [...(byFile.get(component) ?? []), object]);
  }
  const head = header(source);
  const tree = new Map<string, string>();
  const resources = BASE_FILES.filter((f) => byFile.has(f)).map((f) => `${f}.yaml`);
  tree.set('base/kustomization.yaml', head + kustomization({ resources }));
  for (const f of BASE_FILES) {
    const objects = byFile.get(f);
    if (objects) tree.set(`base/${f}.yaml`, head + toYamlDocuments(objects));
  }
  tree.set('overlays/cpu/kustomization.yaml', head + kustomization({ resources: ['../../base'] }));
  tree.set('overlays/gpu/kustomization.yaml', head + kustomization({ resources: ['../../base'], patches: [{ path: GPU_PATCH_FILE }] }));
  tree.set(`overlays/gpu/${GPU_PATCH_FILE}`, head + toYamlDocuments([renderWorkerDevicePatch(gpu)]));
  if (cpu.kubernetes.monitoring.enabled) {
    tree.set('observability/kustomization.yaml', head + kustomization({ resources: ['dashboard.yaml', 'alerts.yaml'] }));
    tree.set('observability/dashboard.yaml', head + toYamlDocuments([renderDashboardConfigMap(cpu)]));
    tree.set('observability/alerts.yaml', head + toYamlDocuments([renderPrometheusRule(cpu)]));
  }
  return tree;
}
