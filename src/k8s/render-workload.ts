/**
 * Building blocks of the run's Deployments: restricted-profile security contexts (non-root, read-only root
 * filesystem, no capabilities, RuntimeDefault seccomp — the Kubernetes Pod Security Standards "restricted"
 * profile), HTTP probes, the metrics port, the token environment variable and a writable /tmp.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { runNames, selectorLabels, TOKEN_KEY, type Component } from './names';
import { objectMeta, type RunObjectMeta } from './render-meta';
import { METRICS_PORT, type DeploySettings } from './settings';

/** UID and GID the images create and every pod runs as. */
export const POD_USER_ID = 10001;

/** A Deployment as the renderer produces it (metadata and spec always present). */
export type RunDeployment = IDeployment & { metadata: RunObjectMeta; spec: NonNullable<IDeployment['spec']> };

/** The container-level half of the restricted security profile. */
function containerSecurityContext(): NonNullable<IContainer['securityContext']> {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}

/** An HTTP GET probe on the metrics port. */
export function httpProbe(path: string, periodSeconds: number, failureThreshold: number): IProbe {
  return { httpGet: { path, port: 'metrics' }, periodSeconds, failureThreshold, timeoutSeconds: 5 };
}

/** `METATRAIN_TOKEN` from the run's token Secret. */
export function tokenEnv(s: DeploySettings): IEnvVar {
  return { name: 'METATRAIN_TOKEN', valueFrom: { secretKeyRef: { name: runNames(s.run).token, key: TOKEN_KEY } } };
}

/** The emptyDir mounted at /tmp (the root filesystem is read-only). */
const TMP_VOLUME: IVolume = { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } };
const TMP_MOUNT: IVolumeMount = { name: 'tmp', mountPath: '/tmp' };

/** What differs between the run's containers. */
export interface ContainerParts {
  readonly name: Component;
  readonly image: string;
  readonly args: string[];
  readonly env: IEnvVar[];
  readonly resources: NonNullable<IContainer['resources']>;
  readonly extraPorts?: NonNullable<IContainer['ports']>;
  readonly volumeMounts?: IVolumeMount[];
  readonly readinessProbe: IProbe;
  readonly livenessProbe: IProbe;
  readonly startupProbe?: IProbe;
}

/** A container with the metrics port (also as `METATRAIN_METRICS_PORT`), /tmp mount and restricted security context. */
export function container(s: DeploySettings, p: ContainerParts): IContainer {
  return {
    name: p.name,
    image: p.image,
    imagePullPolicy: s.imagePullPolicy,
    args: p.args,
    env: [...p.env, { name: 'METATRAIN_METRICS_PORT', value: String(METRICS_PORT) }],
    ports: [...(p.extraPorts ?? []), { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
    resources: p.resources,
    ...(p.startupProbe ? { startupProbe: p.startupProbe } : {}),
    readinessProbe: p.readinessProbe,
    livenessProbe: p.livenessProbe,
    volumeMounts: [...(p.volumeMounts ?? []), TMP_MOUNT],
    securityContext: containerSecurityContext(),
  };
}

/** What differs between the run's Deployments. */
export interface DeploymentParts {
  readonly component: Component;
  readonly name: string;
  readonly replicas: number;
  readonly container: IContainer;
  readonly strategy?: NonNullable<IDeployment['spec']>['strategy'];
  readonly volumes?: IVolume[];
  /** Pod-spec fields specific to the component (service account, scheduling, grace period). */
  readonly pod?: Partial<IPodSpec>;
  readonly podAnnotations?: Record<string, string>;
}

/** A Deployment whose pods carry the run's labels and run non-root under the restricted profile. */
export function deployment(s: DeploySettings, p: DeploymentParts): RunDeployment {
  const meta = objectMeta(s, p.name, p.component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas: p.replicas,
      ...(p.strategy ? { strategy: p.strategy } : {}),
      selector: { matchLabels: selectorLabels(s.run, p.component) },
      template: {
        metadata: { labels: { ...meta.labels }, ...(p.podAnnotations ? { annotations: p.podAnnotations } : {}) },
        spec: {
          automountServiceAccountToken: false,
          ...p.pod,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: POD_USER_ID,
            runAsGroup: POD_USER_ID,
            fsGroup: POD_USER_ID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [p.container],
          volumes: [...(p.volumes ?? []), TMP_VOLUME],
        },
      },
    },
  };
}
