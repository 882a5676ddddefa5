/**
 * Chooses the task family of a run from its config (`task.*`), seeding class splits from the run seed, so
 * the coordinator and every worker built from the same config sample and rebuild the same tasks.
 */
import type { RunConfig } from '../core/config';
import { jsonlCorpus } from './jsonl';
import { sinusoidFamily } from './sinusoid';
import { sotuCorpus } from './sotu';
import type { TaskFamily } from './task';
import { textTaskFamily, type LabelledCorpus } from './text-corpus';

/**
 * The task family named by `config.task.family`:
 * - `sinusoid`: {@link sinusoidFamily} with `task.shots` / `task.queryShots`;
 * - `sotu`: N-way K-shot over the State of the Union passages of `task.passageChars` characters;
 * - `jsonl`: N-way K-shot over the labelled file `task.path` (texts kept whole).
 * Text families split classes by `task.classSplit` from `config.seed`.
 * @throws DatasetError when the corpus cannot be loaded or a split has fewer than `task.ways` usable classes.
 */
export function taskFamilyFor(config: RunConfig): TaskFamily {
  const { task, seed } = config;
  if (task.family === 'sinusoid') return sinusoidFamily({ shots: task.shots, queryShots: task.queryShots });
  // The schema guarantees task.path for family jsonl.
  const corpus: LabelledCorpus = task.family === 'sotu' ? sotuCorpus(task.passageChars) : jsonlCorpus(task.path!);
  return textTaskFamily(task.family, corpus, {
    ways: task.ways,
    shots: task.shots,
    queryShots: task.queryShots,
    classSplit: task.classSplit,
    seed,
  });
}
