/**
 * What the phases of a run (meta-training, transfer baseline, evaluation) share: the config, the task family,
 * the dispatcher, the published parameter versions, the checkpoint store, the log and the event sink.
 */
import type { RunConfig } from '../core/config';
import type { Logger } from '../core/logger';
import type { TaskFamily } from '../tasks/task';
import type { CheckpointStore } from '../checkpoint';
import type { ParamVersions } from './param-versions';
import type { RunEvents } from './run-events';
import type { TaskDispatcher } from './task-dispatcher';

/** Shared services of one run. */
export interface RunContext {
  readonly config: RunConfig;
  readonly configHash: string;
  readonly family: TaskFamily;
  readonly dispatcher: TaskDispatcher;
  readonly versions: ParamVersions;
  readonly store: CheckpointStore;
  readonly log: Logger;
  readonly events: RunEvents;
  /** True once a graceful stop was requested. */
  stopping(): boolean;
}
