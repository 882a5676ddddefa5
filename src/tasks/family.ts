/**
 * The task families: one record each, in its own file (./family-sinusoid.ts, ./family-sotu.ts, ./family-jsonl.ts),
 * registered below. A record says what the rest of the system needs to know about a family without building it:
 * its metric (accuracy or MSE, named the same everywhere: summary, report, Prometheus labels, progress,
 * compression), which model kinds fit it, whether it has text, and its own config checks; `create` builds it
 * (./task-family.ts `taskFamilyFor` is the entry point). Records are cheap to load: the `task.family` enum and the
 * config rules (src/core/config.ts) read them. A new family is its record file and one line in {@link taskFamilies}.
 */
import type { RunConfig } from '../core/config';
import { Registry } from '../core/registry';
import { jsonl } from './family-jsonl';
import { sinusoid } from './family-sinusoid';
import { sotu } from './family-sotu';
import type { TaskFamily } from './task';

/** The metric of a family's tasks: `accuracy` in [0, 1] (classification, higher is better) or `mse` (regression, lower is better). */
export type TaskMetric = 'accuracy' | 'mse';

/** A config problem of one family: the field path and the message (a ConfigError names both). */
export interface FamilyConfigIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/** One task family. */
export interface FamilyDefinition {
  /** Value of `task.family`. */
  readonly name: string;
  /** One line: the tasks and where they come from. */
  readonly summary: string;
  /** What its tasks are scored by. */
  readonly metric: TaskMetric;
  /** Its examples are texts (the text baselines, pretraining and `predict` need them). */
  readonly text: boolean;
  /** The `model.kind`s that read its examples. */
  readonly modelKinds: readonly string[];
  /** Problems of its own `task` fields (e.g. a missing `task.path`); none when absent. */
  configIssues?(task: RunConfig['task']): FamilyConfigIssue[];
  /**
   * Builds the family of a run (classes split from `config.seed`); `dataPath` is `task.path` resolved
   * (`taskDataPath` of src/core/config.ts), undefined when the config has none.
   * @throws ConfigError / DatasetError when its data cannot be loaded.
   */
  create(config: RunConfig, dataPath: string | undefined): TaskFamily;
}

/**
 * Every task family, by name, in the order `task.family` lists them (one registration each). `taskFamilies.get(name)`
 * throws UnknownNameError listing the known names. (Names are plain strings in `RunConfig`: a literal union derived
 * from the records would make the config's type depend on itself, as records take the config.)
 */
export const taskFamilies: Registry<FamilyDefinition> = new Registry<FamilyDefinition>('task family').register(sinusoid).register(sotu).register(jsonl);

/**
 * The metric of a run's tasks (its family's).
 * @throws UnknownNameError when `task.family` is not registered (a config bypassing validation).
 */
export function taskMetric(config: Pick<RunConfig, 'task'>): TaskMetric {
  return taskFamilies.get(config.task.family).metric;
}
