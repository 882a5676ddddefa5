/**
 * What a Worker reports about itself as it runs (for metrics): joining a run, leaving it, and each task's end.
 * Implemented by WorkerMetrics (./metrics.ts); the Worker calls it synchronously and never awaits it.
 */
import type { Engine } from './engine';

/** Task kinds as metrics label them (the wire's `TASK_KIND_*`, lowercased). */
export type TaskKindName = 'train' | 'eval' | 'joint' | 'unknown';

/** How a task ended on this worker. */
export type TaskOutcome = 'succeeded' | 'failed' | 'cancelled';

/** Observer of a Worker. */
export interface WorkerObserver {
  /** A session with the coordinator of run `run` started and the engine for it is ready. */
  joined(run: string, engine: Engine): void;
  /** The session ended (coordinator gone, stream error, or stop). */
  left(): void;
  /** A task ended after `seconds` of wall time on this worker (fetching parameters included). */
  taskEnded(kind: TaskKindName, outcome: TaskOutcome, seconds: number): void;
}

/** The metrics name of a wire task kind (`TASK_KIND_TRAIN` → `train`). */
export function taskKindName(wireKind: string): TaskKindName {
  switch (wireKind) {
    case 'TASK_KIND_TRAIN':
      return 'train';
    case 'TASK_KIND_EVAL':
      return 'eval';
    case 'TASK_KIND_JOINT':
      return 'joint';
    default:
      return 'unknown';
  }
}
