/**
 * Builds the task family of a run from its config (`task.*`), seeding class splits from the run seed, so the
 * coordinator and every worker built from the same config sample and rebuild the same tasks. The families
 * themselves are records in ./family.ts.
 */
import { taskDataPath, type RunConfig } from '../core/config';
import { taskFamilies } from './family';
import type { TaskFamily } from './task';

/**
 * The task family named by `config.task.family` (its record's `create`, ./family.ts):
 * - `sinusoid`: the sinusoid regression family with `task.shots` / `task.queryShots`;
 * - `sotu`: N-way K-shot over the State of the Union passages of `task.passageChars` characters;
 * - `jsonl`: N-way K-shot over the labelled file `task.path` (texts kept whole), a relative path resolved against
 *   `runtime.baseDir` ({@link taskDataPath}).
 * Text families split classes by `task.classSplit` from `config.seed`.
 * @throws ConfigError at `task.path` when the JSONL file does not exist, naming the path tried and what a relative
 *   path was resolved against; DatasetError when the corpus cannot be loaded otherwise or a split has fewer than
 *   `task.ways` usable classes; UnknownNameError when `task.family` is not registered (a config bypassing validation).
 */
export function taskFamilyFor(config: RunConfig): TaskFamily {
  return taskFamilies.get(config.task.family).create(config, taskDataPath(config));
}
