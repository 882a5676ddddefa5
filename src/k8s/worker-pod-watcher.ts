/**
 * Watches the worker pods of a run from inside the cluster (the coordinator's view): a client-node informer
 * (list, then watch from the list's resourceVersion; https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes)
 * on the pods labelled with the run and `component=worker`, keeping pending and running counts so the
 * coordinator can say `waiting for workers` instead of hanging when no GPU is free. After a failure the watch
 * is restarted with exponential backoff; the needed RBAC is in coordinator-api-calls.ts.
 */
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { KubernetesError } from '../core/errors';
import { toKubernetesError } from './api-error';
import { workerPodSelector } from './names';
import { countPods, unschedulableReason, type WorkerPodCounts } from './pod-counts';

/** Options of {@link WorkerPodWatcher}. */
export interface WorkerPodWatcherOptions {
  /** Kubeconfig (in the coordinator pod: loadKubeconfig() of ./kubeconfig-files.ts, which uses the service account). */
  readonly kubeConfig: KubeConfig;
  /** Namespace of the run (the coordinator pod gets it as `METATRAIN_NAMESPACE`). */
  readonly namespace: string;
  /** Run name (`METATRAIN_RUN`). */
  readonly run: string;
  /** Called with the new counts whenever pending or running changes. */
  readonly onChange?: (counts: WorkerPodCounts) => void;
  /** Called when the watch fails after start; the watcher retries by itself. */
  readonly onError?: (err: KubernetesError) => void;
  /** First retry delay after a failure, doubled per consecutive failure up to 30 s. @default 1000 */
  readonly retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

/** Lifecycle of the watcher. */
type WatcherState = 'idle' | 'starting' | 'watching' | 'retrying' | 'stopped';

/** Keeps pending/running counts of a run's worker pods. Use `start()`, read `counts()`, then `stop()`. */
export class WorkerPodWatcher {
  private readonly informer: ListWatch<V1Pod>;
  private state: WatcherState = 'idle';
  private last: WorkerPodCounts = { pending: 0, running: 0 };
  private startError: unknown;
  private retryDelayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkerPodWatcherOptions) {
    const { kubeConfig, namespace, run } = options;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const labelSelector = workerPodSelector(run);
    const path = `/api/v1/namespaces/${namespace}/pods`;
    this.informer = new ListWatch(path, new Watch(kubeConfig), () => core.listNamespacedPod({ namespace, labelSelector }), false, labelSelector);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    // While the first list comes in, pods arrive one by one: count once start() has them all.
    for (const event of ['add', 'update', 'delete'] as const) {
      this.informer.on(event, () => {
        if (this.state !== 'starting') this.recount();
      });
    }
    this.informer.on('connect', () => {
      if (this.state === 'retrying') this.state = 'watching';
    });
    this.informer.on('error', (err) => this.failed(err));
  }

  /**
   * Lists the worker pods and starts watching them; resolves once the first list is in.
   * @throws KubernetesError when the first list fails (403: the coordinator's Role lacks `list pods`; unreachable).
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`WorkerPodWatcher.start called in state ${this.state}`);
    this.state = 'starting';
    await this.informer.start();
    if (this.startError !== undefined) {
      this.stop();
      throw this.mapped(this.startError);
    }
    this.state = 'watching';
    this.recount();
  }

  /** Current numbers of pending and running worker pods. */
  counts(): WorkerPodCounts {
    return this.last;
  }

  /** Why pending workers wait (the scheduler's message, e.g. insufficient nvidia.com/gpu), if it said. */
  waitingReason(): string | undefined {
    return unschedulableReason(this.informer.list(this.options.namespace));
  }

  /** Stops watching; the counts keep their last values. */
  stop(): void {
    this.state = 'stopped';
    clearTimeout(this.retryTimer);
    void this.informer.stop();
  }

  private recount(): void {
    const next = countPods(this.informer.list(this.options.namespace));
    if (next.pending === this.last.pending && next.running === this.last.running) return;
    this.last = next;
    this.options.onChange?.(next);
  }

  private failed(err: unknown): void {
    if (this.state === 'starting') {
      this.startError = err;
      return;
    }
    if (this.state === 'stopped') return;
    this.state = 'retrying';
    this.options.onError?.(this.mapped(err));
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    this.retryTimer = setTimeout(() => {
      if (this.state !== 'retrying') return;
      this.informer.start().then(
        () => {
          if (this.state === 'watching') this.retryDelayMs = this.options.retryDelayMs ?? 1000;
        },
        (e: unknown) => this.failed(e),
      );
    }, delay);
    this.retryTimer.unref();
  }

  private mapped(err: unknown): KubernetesError {
    const cluster = { server: this.options.kubeConfig.getCurrentCluster()?.server ?? '(no cluster)', context: this.options.kubeConfig.getCurrentContext() };
    return toKubernetesError(err, { verb: 'list', resource: 'pods', kind: 'Pod', namespace: this.options.namespace }, cluster);
  }
}
