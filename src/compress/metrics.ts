/**
 * Prometheus metrics of compression jobs, for the compressor process (Kubernetes) or the in-process compressor of
 * a local run (register them in the coordinator's registry there). One compressor serves many runs, so `run` is
 * an explicit label here. Naming rules: src/core/metrics.ts.
 *
 * Usage (src/compress/compressor.ts does this for every job it runs):
 * ```ts
 * const metrics = new CompressorMetrics(registry);
 * const done = metrics.started(run);   // an attempt at a job of `run` began
 * metrics.report(run, report);         // its compression.json: size ratios and few-shot metrics
 * done('succeeded');                   // or 'failed' (for good), 'retried' (will be attempted again)
 * ```
 */
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../core/metrics';
import type { CompressionReport } from './compression-report';

/** How an attempt at a compression job ended: `failed` only when no attempt is left. */
export type CompressionOutcome = 'succeeded' | 'failed' | 'retried';

const OUTCOMES: readonly CompressionOutcome[] = ['succeeded', 'failed', 'retried'];

/** Upper bounds of one compression job (distillation, pruning, quantization, export, evaluation): 1 s to 2 h. */
export const COMPRESSION_JOB_BUCKETS_SECONDS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

/** The compression metrics of one process. */
export class CompressorMetrics {
  private readonly jobs;
  private readonly inProgress;
  private readonly seconds;
  private readonly sizeRatio;
  private readonly metric;

  /** @throws MetatrainError / Error when a metric of the same name is already in `registry`. */
  constructor(registry: Registry) {
    this.jobs = counter<'run' | 'outcome'>(registry, { name: 'metatrain_compression_jobs_total', help: 'Attempts at compression jobs ended, by run and outcome (succeeded; failed for good; retried).', labelNames: ['run', 'outcome'] });
    this.inProgress = gauge<'run'>(registry, { name: 'metatrain_compression_jobs_in_progress', help: 'Compression jobs running now, by run.', labelNames: ['run'] });
    this.seconds = histogram<'run'>(registry, { name: 'metatrain_compression_job_duration_seconds', help: 'Wall time of one compression job, by run.', labelNames: ['run'], buckets: COMPRESSION_JOB_BUCKETS_SECONDS });
    this.sizeRatio = gauge<'run' | 'model'>(registry, { name: 'metatrain_compression_size_ratio', help: 'Size of a compressed model file relative to the float32 meta-initialization, by run and model (compressed: sparse int8 checkpoint; onnx: dense int8 ONNX).', labelNames: ['run', 'model'] });
    this.metric = gauge<'run' | 'model' | 'metric'>(registry, { name: 'metatrain_compression_metric', help: 'Few-shot metric (label metric: accuracy or mse) after adaptation on the meta-test tasks, by run and model (teacher: float32 meta-initialization; compressed).', labelNames: ['run', 'model', 'metric'] });
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

  /** Records what a job of `run` measured (its `compression.json`): size ratios and few-shot metric means. */
  report(run: string, r: CompressionReport): void {
    this.sizeRatio.set({ run, model: 'compressed' }, r.sizes.ratio);
    this.sizeRatio.set({ run, model: 'onnx' }, r.sizes.onnxRatio);
    this.metric.set({ run, model: 'teacher', metric: r.accuracy.metric }, r.accuracy.teacher.metric.mean);
    this.metric.set({ run, model: 'compressed', metric: r.accuracy.metric }, r.accuracy.compressed.metric.mean);
  }
}
