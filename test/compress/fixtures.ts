/**
 * Teacher checkpoints for compression tests: a real checkpoint directory (CheckpointStore, the coordinator's
 * format) holding a model's seeded initial meta-parameters, and small run configs with short compression plans.
 */
import { join } from 'node:path';
import { configHash, parseRunConfig, type RunConfig, type RunConfigInput } from '../../src/core/config';
import { specOf, zerosFromSpec } from '../../src/core/param-set';
import { deriveSeed } from '../../src/core/rng';
import { CheckpointStore } from '../../src/checkpoint';
import { initMetaParams } from '../../src/meta/meta-params';
import { taskFamilyFor } from '../../src/tasks/task-family';

/** A sinusoid run (MLP 1-40-40-1) with a compression plan of a few steps. */
export function sinusoidRun(dir: string, compression: Record<string, unknown> = {}): RunConfig {
  return parseRunConfig({
    name: 'compress-test',
    seed: 4,
    task: { family: 'sinusoid', shots: 5, queryShots: 10 },
    model: { kind: 'sinusoid-mlp', hidden: [40, 40] },
    algorithm: { name: 'fomaml', innerSteps: 1, innerLr: 0.01 },
    evaluation: { adaptSteps: 2 },
    runtime: { outDir: join(dir, 'run') },
    compression: { distillSteps: 6, pruneSteps: 10, recoverySteps: 4, evalTasks: 6, sparsity: 0.5, studentWidth: 0.5, ...compression },
  } satisfies RunConfigInput);
}

/**
 * A State of the Union 5-way run with a tiny transformer and a compression plan of a few steps; `model` overrides
 * model fields (e.g. the tokenizer).
 */
export function textRun(dir: string, compression: Record<string, unknown> = {}, model: Record<string, unknown> = {}): RunConfig {
  return parseRunConfig({
    name: 'compress-text',
    seed: 2,
    task: { family: 'sotu', ways: 5, shots: 2, queryShots: 2, passageChars: 64 },
    model: { kind: 'transformer', layers: 1, dModel: 16, heads: 2, dFf: 32, maxLength: 32, ...model },
    algorithm: { name: 'fomaml', innerSteps: 1, innerLr: 0.05, adapt: 'head' },
    evaluation: { adaptSteps: 2 },
    runtime: { outDir: join(dir, 'run') },
    compression: { distillSteps: 3, pruneSteps: 4, recoverySteps: 2, evalTasks: 4, sparsity: 0.5, studentWidth: 0.5, ...compression },
  } satisfies RunConfigInput);
}

/** Saves the run's initial meta-parameters as the checkpoint of `step`, recording the config as `metatrain run` does; returns its directory. */
export async function writeTeacherCheckpoint(config: RunConfig, step = 3): Promise<string> {
  const params = initMetaParams(config, taskFamilyFor(config).outputs, deriveSeed(config.seed, 'init'));
  const zeros = zerosFromSpec(specOf(params));
  const store = new CheckpointStore(join(config.runtime.outDir!, 'checkpoints'), { keep: 3 });
  const saved = await store.save({ step, params, optimizer: { step, m: zeros, v: zeros }, configHash: configHash(config), rng: {}, metrics: {}, extra: { config }, best: true });
  return saved.path;
}
