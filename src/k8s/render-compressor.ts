/**
 * The compressor: one replica consuming the run's jobs from the JetStream work queue (`metatrain compressor --nats URL
 * --run RUN --out-root /var/lib/metatrain/RUN`: its own durable consumer, so runs sharing a NATS server never hand it
 * another run's job, src/bus/compressor-consumer.ts), reading checkpoints from and writing compressed models to the
 * run's PersistentVolumeClaim, mounted at `/var/lib/metatrain/<run>`, the only place it writes. With a
 * ReadWriteOnce claim it is scheduled onto the coordinator's node (required pod affinity), the only place the
 * volume can be mounted twice.
 */
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { runNames, selectorLabels } from './names';
import { container, deployment, httpProbe, tokenEnv, type RunDeployment } from './render-workload';
import type { DeploySettings } from './settings';

/** Compressor container resources: distillation and pruning run on the CPU. */
export const COMPRESSOR_RESOURCES = { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } };

/** Pod affinity to the coordinator pod when the data claim is ReadWriteOnce. */
function sameNodeAsCoordinator(s: DeploySettings): Partial<IPodSpec> {
  if (s.kubernetes.storage.accessMode !== 'ReadWriteOnce') return {};
  return {
    affinity: {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: selectorLabels(s.run, 'coordinator') }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    },
  };
}

/**
 * Deployment `<run>-compressor`.
 * @throws Error when the settings carry no NATS URL (compileDeploySettings guarantees one when compression is on).
 */
export function renderCompressorDeployment(s: DeploySettings): RunDeployment {
  if (s.natsUrl === undefined) throw new Error('renderCompressorDeployment needs settings with a NATS URL');
  const names = runNames(s.run);
  return deployment(s, {
    component: 'compressor',
    name: names.compressor,
    replicas: 1,
    strategy: { type: 'Recreate' },
    pod: sameNodeAsCoordinator(s),
    container: container(s, {
      name: 'compressor',
      image: s.images.coordinator,
      args: ['compressor', '--nats', s.natsUrl, '--run', s.run, '--out-root', s.outDir],
      env: [tokenEnv(s)],
      resources: COMPRESSOR_RESOURCES,
      volumeMounts: [{ name: 'data', mountPath: s.outDir }],
      readinessProbe: httpProbe('/readyz', 10, 3),
      livenessProbe: httpProbe('/healthz', 20, 3),
    }),
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: names.data } }],
  });
}
