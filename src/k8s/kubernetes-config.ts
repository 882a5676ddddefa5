/**
 * The `kubernetes` section of the run config (zod only, no Kubernetes client; composed in src/core/config.ts): how
 * `metatrain launch` deploys the run.
 */
import { z } from 'zod';
import { timing, nonNegativeInt } from '../core/config-fields';
import { dns1123Subdomain, dnsLabel, imageReference, labelValue, qualifiedName, quantity, quantityValue } from './kubernetes-syntax';

/**
 * Smallest `kubernetes.terminationGracePeriodSeconds`: 10 s (after SIGTERM the coordinator closes its gRPC server,
 * up to 2 s, and writes its last checkpoint; the compressor's `--grace-ms` defaults to 10 s too).
 */
export const MIN_TERMINATION_GRACE_SECONDS = 10;

/** A worker container's limits when the config sets none: 2 CPU, 4Gi of memory. */
const DEFAULT_LIMITS = { cpu: '2', memory: '4Gi' } as const;


/** A toleration of worker pods (Kubernetes `core/v1` Toleration; its field syntax in ./kubernetes-syntax.ts). */
const tolerationSchema = z
  .object({
    key: qualifiedName.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    /** As in Kubernetes (0 = evict at once), so without a minimum. */
    tolerationSeconds: nonNegativeInt.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.operator === 'Exists' && t.value) ctx.addIssue({ code: 'custom', path: ['value'], message: `must be empty with operator Exists, got ${JSON.stringify(t.value)}` });
    if (t.key === undefined && t.operator !== 'Exists') ctx.addIssue({ code: 'custom', path: ['operator'], message: `must be Exists when key is empty (a toleration of every taint), got ${t.operator ?? 'Equal (the default)'}` });
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') ctx.addIssue({ code: 'custom', path: ['effect'], message: `must be NoExecute with tolerationSeconds, got ${t.effect ?? 'none'}` });
  });

/**
 * Kubernetes deployment of the run (`metatrain launch`, deploy/k8s). Only read by src/k8s; image tags default to
 * the package version there.
 */
export const kubernetesSchema = z
  .object({
    /** Namespace of the run's objects (`--namespace` overrides it). @default metatrain */
    namespace: dnsLabel.default('metatrain'),
    /** Images. Omitted ones default to `metatrain/<image>:<package version>`. */
    images: z
      .object({
        /** Coordinator and compressor (Node LTS slim). @default metatrain/metatrain:<version> */
        coordinator: imageReference.optional(),
        /** Workers on GPU nodes (CUDA 11.2, tfjs-node-gpu). @default metatrain/metatrain-worker-gpu:<version> */
        workerGpu: imageReference.optional(),
        /** Workers on CPU-only nodes (wasm backend). @default metatrain/metatrain-worker-cpu:<version> */
        workerCpu: imageReference.optional(),
      })
      .strict()
      .prefault({}),
    /** Image pull policy of every container. @default IfNotPresent */
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    /**
     * CPU and memory of one worker container; each request at most its limit, as the API server requires.
     * @default requests 1 CPU / 2Gi, limits 2 CPU / 4Gi
     */
    workerResources: z
      .object({
        requests: z.object({ cpu: quantity.default('1'), memory: quantity.default('2Gi') }).strict().prefault({}),
        limits: z.object({ cpu: quantity.default(DEFAULT_LIMITS.cpu), memory: quantity.default(DEFAULT_LIMITS.memory) }).strict().prefault({}),
      })
      .strict()
      .prefault({})
      .superRefine((r, ctx) => {
        for (const resource of ['cpu', 'memory'] as const) {
          const [request, limit] = [r.requests[resource], r.limits[resource]];
          // zod runs this refinement even when a quantity was refused above; that one is reported alone.
          if (!quantity.safeParse(request).success || !quantity.safeParse(limit).success) continue;
          if (quantityValue(request) > quantityValue(limit)) {
            ctx.addIssue({ code: 'custom', path: ['requests', resource], message: `must be at most kubernetes.workerResources.limits.${resource} (${limit}${limit === DEFAULT_LIMITS[resource] ? ', its default' : ''}): the API server refuses a request above its limit; got ${request}` });
          }
        }
      }),
    /** GPUs of the workers. */
    gpu: z
      .object({
        /** GPUs per worker; 0 = CPU-only workers (wasm backend, CPU image). @default 1 */
        count: nonNegativeInt.default(1),
        /** Extended resource name of the device plugin. @default nvidia.com/gpu */
        resourceName: qualifiedName.default('nvidia.com/gpu'),
        /** Node selector of GPU worker pods. @default {} */
        nodeSelector: z.record(qualifiedName, labelValue).default({}),
        /** Tolerations of GPU worker pods. @default [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }] */
        tolerations: z.array(tolerationSchema).default([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
      })
      .strict()
      .prefault({}),
    /** The PersistentVolumeClaim holding checkpoints and artifacts. */
    storage: z
      .object({
        /** Requested size, greater than 0. @default 10Gi */
        size: quantity.refine((q) => quantityValue(q) > 0, 'must be greater than 0: the API server refuses a PersistentVolumeClaim of no storage').default('10Gi'),
        /** StorageClass; omitted = the cluster's default class. */
        className: dns1123Subdomain.optional(),
        /** `ReadWriteOnce` keeps the compressor on the coordinator's node; `ReadWriteMany` lets it run anywhere. @default ReadWriteOnce */
        accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']).default('ReadWriteOnce'),
      })
      .strict()
      .prefault({}),
    /** Prometheus Operator ServiceMonitor/PodMonitor. */
    monitoring: z
      .object({
        /** Render the monitors (needs the monitoring.coreos.com CRDs). @default true */
        enabled: z.boolean().default(true),
        /** Value of the `release` label that kube-prometheus-stack selects monitors by. @default kube-prometheus-stack */
        release: labelValue.min(1).default('kube-prometheus-stack'),
      })
      .strict()
      .prefault({}),
    /** Seconds the coordinator gets after SIGTERM to write its last checkpoint; at least {@link MIN_TERMINATION_GRACE_SECONDS}. @default 120 */
    terminationGracePeriodSeconds: timing(MIN_TERMINATION_GRACE_SECONDS, 's', 'the coordinator needs the time to close its server and write its last checkpoint').default(120),
  })
  .strict();
