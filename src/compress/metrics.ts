/**
 * Prometheus metrics of compression jobs, for the compressor process (Kubernetes) or the in-process compressor of
 * a local run (register them in the coordinator's registry there). One compressor serves many runs, so `run` is
 * an explicit label here. Naming rules: src/core/metrics.ts.
 *
 * Usage:
 * ```ts
 * const metrics = new CompressorMetrics(registry);
 * const done = metrics.started(run);                      // a job of `run` began
 * metrics.model(run, 'int8', { sizeRatio: 0.26, metricName: 'accuracy', metric: 0.61 });
 * done('succeeded');                                      // or done('failed')
 * ```
 */
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../core/metrics';

/** How a compression job ended. */
export type CompressionOutcome = 'succeeded' | 'failed';

const OUTCOMES: readonly CompressionOutcome[] = ['succeeded', 'failed'];

/** Upper bounds of one compression job (distillation, pruning, quantization, export, evaluation): 1 s to 2 h. */
export const COMPRESSION_JOB_BUCKETS_SECONDS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

/** What was measured for one model of a compression job. */
export interface CompressedModelMeasures {
  /** Exported model bytes / uncompressed meta-initialization bytes (e.g. 0.26 for int8 of fp32). */
  sizeRatio: number;
  /** `accuracy` or `mse`, as in the run summary. */
  metricName: string;
  /** Few-shot metric after adaptation on the run's meta-test tasks (mean). */
  metric: number;
}

/** The compression metrics of one process. */
export class CompressorMetrics {
  private readonly jobs;
  private readonly inProgress;
  private readonly seconds;
  private readonly sizeRatio;
  private readonly metric;

  /** @throws MetatrainError / Error when a metric of the same name is already in `registry`. */
  constructor(registry: Registry) {
    this.jobs = counter<'run' | 'outcome'>(registry, { name: 'metatrain_compression_jobs_total', help: 'Compression jobs ended, by run and outcome (succeeded, failed).', labelNames: ['run', 'outcome'] });
    this.inProgress = gauge<'run'>(registry, { name: 'metatrain_compression_jobs_in_progress', help: 'Compression jobs running now, by run.', labelNames: ['run'] });
    this.seconds = histogram<'run'>(registry, { name: 'metatrain_compression_job_duration_seconds', help: 'Wall time of one compression job, by run.', labelNames: ['run'], buckets: COMPRESSION_JOB_BUCKETS_SECONDS });
    this.sizeRatio = gauge<'run' | 'model'>(registry, { name: 'metatrain_compression_size_ratio', help: 'Size of a compressed model relative to the uncompressed meta-initialization, by run and model (distilled, pruned, int8, ...).', labelNames: ['run', 'model'] });
    this.metric = gauge<'run' | 'model' | 'metric'>(registry, { name: 'metatrain_compression_metric', help: 'Few-shot metric (label metric: accuracy or mse) of a compressed model after adaptation on the meta-test tasks, by run and model.', labelNames: ['run', 'model', 'metric'] });
  }

  /**
   * A job of `run` started: counts it in progress and initialises the run's outcome counters at 0 (so that
   * `increase()` is defined before the first job ends).
   * @returns a function to call once with the job's outcome; it records the duration (later calls are ignored).
   */
  started(run: string): (outcome: CompressionOutcome) => void {
    for (const outcome of OUTCOMES) this.jobs.inc({ run, outcome }, 0);
    this.inProgress.inc({ run });
    const t0 = performance.now();
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      this.inProgress.dec({ run });
      this.jobs.inc({ run, outcome });
      this.seconds.observe({ run }, (performance.now() - t0) / 1000);
    };
  }

  /** Records the size ratio and few-shot metric of one model produced by a job of `run`. */
  model(run: string, model: string, m: CompressedModelMeasures): void {
    this.sizeRatio.set({ run, model }, m.sizeRatio);
    this.metric.set({ run, model, metric: m.metricName }, m.metric);
  }
}
