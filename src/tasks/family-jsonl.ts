/**
 * The user's own labelled text: N-way K-shot over the JSONL file `task.path` (`{"text","label"}` per line, texts
 * kept whole, ./jsonl.ts), a relative path resolved against `runtime.baseDir`.
 */
import type { RunConfig } from '../core/config';
import { ConfigError, DatasetError, FileReadError } from '../core/errors';
import type { FamilyDefinition } from './family';
import { jsonlCorpus } from './jsonl';
import { textTaskFamily, type LabelledCorpus } from './text-corpus';

/** The `jsonl` record. */
export const jsonl = {
  name: 'jsonl',
  summary: 'N-way K-shot over a labelled JSONL file (task.path)',
  metric: 'accuracy',
  text: true,
  modelKinds: ['transformer', 'bert'],
  configIssues: (task) => (task.path ? [] : [{ path: ['task', 'path'], message: 'family jsonl needs task.path' }]),
  create: (config, dataPath) => {
    const { task, seed } = config;
    return textTaskFamily('jsonl', userCorpus(config, dataPath!), { ways: task.ways, shots: task.shots, queryShots: task.queryShots, classSplit: task.classSplit, seed });
  },
} satisfies FamilyDefinition;

/**
 * The corpus of a `jsonl` run at `path` (`task.path` resolved; the schema guarantees `task.path` for this family).
 * @throws ConfigError at `task.path` when the file does not exist, naming the path tried and what a relative path
 *   was resolved against; DatasetError when it cannot be loaded otherwise.
 */
function userCorpus(config: RunConfig, path: string): LabelledCorpus {
  try {
    return jsonlCorpus(path);
  } catch (err) {
    if (!(err instanceof DatasetError && err.cause instanceof FileReadError && err.cause.code === 'ENOENT')) throw err;
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
