/**
 * Chooses the task family of a run from its config (`task.*`), seeding class splits from the run seed, so
 * the coordinator and every worker built from the same config sample and rebuild the same tasks.
 */
import { taskDataPath, type RunConfig } from '../core/config';
import { ConfigError, DatasetError } from '../core/errors';
import { jsonlCorpus } from './jsonl';
import { sinusoidFamily } from './sinusoid';
import { sotuCorpus } from './sotu';
import type { TaskFamily } from './task';
import { textTaskFamily, type LabelledCorpus } from './text-corpus';

/**
 * The task family named by `config.task.family`:
 * - `sinusoid`: {@link sinusoidFamily} with `task.shots` / `task.queryShots`;
 * - `sotu`: N-way K-shot over the State of the Union passages of `task.passageChars` characters;
 * - `jsonl`: N-way K-shot over the labelled file `task.path` (texts kept whole), a relative path resolved against
 *   `runtime.baseDir` ({@link taskDataPath}).
 * Text families split classes by `task.classSplit` from `config.seed`.
 * @throws ConfigError at `task.path` when the JSONL file does not exist, naming the path tried and what a relative
 *   path was resolved against; DatasetError when the corpus cannot be loaded otherwise or a split has fewer than
 *   `task.ways` usable classes.
 */
export function taskFamilyFor(config: RunConfig): TaskFamily {
  const { task, seed } = config;
  if (task.family === 'sinusoid') return sinusoidFamily({ shots: task.shots, queryShots: task.queryShots });
  const corpus: LabelledCorpus = task.family === 'sotu' ? sotuCorpus(task.passageChars) : userCorpus(config);
  return textTaskFamily(task.family, corpus, {
    ways: task.ways,
    shots: task.shots,
    queryShots: task.queryShots,
    classSplit: task.classSplit,
    seed,
  });
}

/** The corpus of a `jsonl` run (the schema guarantees `task.path` for that family). */
function userCorpus(config: RunConfig): LabelledCorpus {
  const path = taskDataPath(config)!;
  try {
    return jsonlCorpus(path);
  } catch (err) {
    if (!(err instanceof DatasetError && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')) throw err;
    const written = config.task.path!;
    const base = config.runtime.baseDir;
    const how =
      written === path
        ? ''
        : base === undefined
          ? `: ${JSON.stringify(written)} is resolved against the current directory ${process.cwd()}`
          : `: ${JSON.stringify(written)} is resolved against runtime.baseDir ${base} (the config file's directory unless the file sets runtime.baseDir)`;
    throw new ConfigError('task.path', `no such file ${path}${how}`, { cause: err });
  }
}
