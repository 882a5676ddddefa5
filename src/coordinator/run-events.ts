/**
 * Typed events of a run, emitted by the coordinator for the progress bar, metrics, the NATS event publisher and
 * the report. On NATS each one is `metatrain.run.<run>.<event>` (src/bus/run-subjects.ts; `progress` stays local).
 */
import { EventEmitter } from 'node:events';
import type { CompressionFailedEvent, CompressionQueuedEvent, CompressionStartedEvent, CompressionSucceededEvent } from '../bus/job-queue';
import type { RunPhase } from './run-phase';

/** One outer step done. */
export interface StepEvent {
  step: number;
  maxSteps: number;
  /** Mean query loss of the meta-batch after adaptation. */
  metaLoss: number;
  /** Mean query metric (accuracy or MSE) of the meta-batch after adaptation. */
  metaMetric: number;
  /** Wall time of the step. */
  durationSeconds: number;
  /** Train tasks per second over the step. */
  tasksPerSecond: number;
  workers: number;
}

/** One meta-validation done. */
export interface ValidationEvent {
  step: number;
  loss: number;
  metric: number;
  improved: boolean;
}

/** A checkpoint written. */
export interface CheckpointEvent {
  step: number;
  path: string;
  bytes: number;
  durationSeconds: number;
  best: boolean;
}

/** Meta-training converged (validation patience exhausted). */
export interface ConvergedEvent {
  step: number;
  bestStep: number;
}

/**
 * The run ended: `phase` is `succeeded`, `failed` or `stopped` (a graceful stop; resumable); `reason` why
 * meta-training ended (`stopped` for a graceful stop), or the error message.
 */
export interface FinishedEvent {
  phase: RunPhase;
  reason: string;
  steps: number;
  /** Absolute path of the run's `summary.json` (on the coordinator's machine), once written; absent before. */
  summaryFile?: string;
}

/** Event map. */
export interface RunEventMap {
  phase: [phase: RunPhase, message: string];
  step: [StepEvent];
  validation: [ValidationEvent];
  checkpoint: [CheckpointEvent];
  /** A checkpoint could not be written (the error then ends the run). */
  checkpointFailed: [step: number, message: string];
  workers: [count: number];
  warning: [message: string];
  converged: [ConvergedEvent];
  finished: [FinishedEvent];
  'compression.queued': [CompressionQueuedEvent];
  'compression.started': [CompressionStartedEvent];
  'compression.succeeded': [CompressionSucceededEvent];
  'compression.failed': [CompressionFailedEvent];
  /** Transfer-baseline or evaluation progress: done of total work items. */
  progress: [label: string, done: number, total: number];
}

/** Event emitter of a run. */
export class RunEvents extends EventEmitter<RunEventMap> {}
