/**
 * The coordinator: one replica with the `Recreate` strategy (never two coordinators on one checkpoint
 * directory), a grace period long enough to write the last checkpoint, HTTP probes (`/readyz`, `/healthz`),
 * and a Service exposing gRPC (workers) and metrics (Prometheus, `metatrain status` through the API server's
 * service proxy).
 */
import type { IService } from 'kubernetes-models/v1/Service';
import { runNames, selectorLabels } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import { clusterConfigSha256 } from './render-storage';
import { container, deployment, httpProbe, tokenEnv, type RunDeployment } from './render-workload';
import { CONFIG_DIR, CONFIG_FILE, GRPC_PORT, METRICS_PORT, type DeploySettings } from './settings';

/** Coordinator container resources: plain Float32Array math and gRPC, no tfjs. */
export const COORDINATOR_RESOURCES = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } };

/** Pod-template annotation carrying the sha256 of the run config. */
export const CONFIG_HASH_ANNOTATION = 'metatrain.dev/config-sha256';

/** Deployment `<run>-coordinator`, running `metatrain coordinator --config /etc/metatrain/run.yaml --resume`. */
export function renderCoordinatorDeployment(s: DeploySettings): RunDeployment {
  const names = runNames(s.run);
  return deployment(s, {
    component: 'coordinator',
    name: names.coordinator,
    replicas: 1,
    strategy: { type: 'Recreate' },
    podAnnotations: { [CONFIG_HASH_ANNOTATION]: clusterConfigSha256(s) },
    pod: {
      serviceAccountName: names.coordinator,
      automountServiceAccountToken: true,
      terminationGracePeriodSeconds: s.kubernetes.terminationGracePeriodSeconds,
    },
    container: container(s, {
      name: 'coordinator',
      image: s.images.coordinator,
      args: ['coordinator', '--config', `${CONFIG_DIR}/${CONFIG_FILE}`, '--resume'],
      env: [
        tokenEnv(s),
        { name: 'METATRAIN_RUN', value: s.run },
        { name: 'METATRAIN_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
      resources: COORDINATOR_RESOURCES,
      extraPorts: [{ name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' }],
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'data', mountPath: s.outDir },
      ],
      startupProbe: httpProbe('/healthz', 5, 60),
      readinessProbe: httpProbe('/readyz', 10, 3),
      livenessProbe: httpProbe('/healthz', 20, 3),
    }),
    volumes: [
      { name: 'config', configMap: { name: names.config } },
      { name: 'data', persistentVolumeClaim: { claimName: names.data } },
    ],
  });
}

/** Service `<run>-coordinator` with ports `grpc` (7070) and `metrics` (9464). */
export function renderCoordinatorService(s: DeploySettings): IService & { metadata: RunObjectMeta } {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(s, runNames(s.run).coordinator, 'coordinator'),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(s.run, 'coordinator'),
      ports: [
        { name: 'grpc', port: GRPC_PORT, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
        { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' },
      ],
    },
  };
}
