/**
 * Masked-language-model pretraining of a run's Transformer body (BERT, Devlin et al. 2019, §3.1), in this process
 * on its tfjs backend: each step masks a batch of texts (./mlm-mask), differentiates the MLM loss
 * (./mlm-objective) and takes a plain-TypeScript Adam step (src/meta/adam.ts). Checkpoints go to
 * `<run dir>/pretrained` in the run checkpoint format (crash-safe, verified, resumable); every one is marked best,
 * so best.json names the newest, which `model.init: pretrained` reads.
 *
 * Determinism: step s draws its texts and masks from `Rng(deriveSeed(seed, 'pretrain', s))`, the initialization
 * from `deriveSeed(seed, 'pretrain-init')`; same config, texts and backend ⇒ bitwise-identical parameters,
 * also across a stop and resume.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpointsDir, pretrainedDir, recordedRunConfig, runDir, type RunConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import { realPath } from '../core/file-identity';
import { lockLinkedDirectory } from '../core/linked-directory-lock';
import { specOf, type ParamSet } from '../core/param-set';
import { deriveSeed, Rng } from '../core/rng';
import { turnEvery } from '../core/stepwise';
import { Adam } from '../meta/adam';
import { objectiveGradient } from '../meta/objective-gradient';
import { toTensors } from '../model/params-tf';
import { textTokenizerFor } from '../model/text-tokenizer';
import { createTransformer } from '../model/transformer';
import { maskTokens } from './mlm-mask';
import { mlmObjective } from './mlm-objective';
import type { PretrainingHistory } from '../summary';
import { initPretrainingParams, PRETRAINING_KIND } from './pretrained-body';
import type { CheckpointStore, LatestCheckpoint } from '../checkpoint';
import { latestPretraining, pretrainingCheckpoints, pretrainingHash } from './pretraining-checkpoints';

/** One finished pretraining step, as reported to `onStep`. */
export interface PretrainStep {
  readonly step: number;
  readonly steps: number;
  /** MLM cross-entropy of the step's batch (nats). */
  readonly loss: number;
  /** Fraction of the batch's masked tokens predicted exactly. */
  readonly accuracy: number;
}

/** Where pretraining continues from, as reported to `onResume`. */
export interface PretrainResume {
  /** Step of the checkpoint it continues from (0 < step < steps). */
  readonly step: number;
  readonly steps: number;
  /** That checkpoint's directory. */
  readonly path: string;
}

/** Options of {@link pretrain}. */
export interface PretrainOptions {
  /** The run config; needs a `pretraining` section. */
  readonly config: RunConfig;
  /** Unlabelled texts to pretrain on (./pretraining-texts: meta-train text and `pretraining.texts`). */
  readonly texts: readonly string[];
  /** Called once before the first step when pretraining continues from a checkpoint short of the last step. */
  readonly onResume?: (resume: PretrainResume) => void;
  /** Called after every step. */
  readonly onStep?: (step: PretrainStep) => void;
  /**
   * Called with each warning of the checkpoint store: an old checkpoint's directory kept, without its checkpoint,
   * for files that are not a checkpoint's (a user's notes), named.
   */
  readonly onWarning?: (line: string) => void;
  /** Polled before every step; true ends pretraining after checkpointing the last completed step. */
  readonly stopping?: () => boolean;
}

/** Outcome of {@link pretrain}. */
export interface PretrainResult {
  /** Pretrained body and `mlm.bias`. */
  readonly params: ParamSet;
  /** Directory of the newest checkpoint. */
  readonly path: string;
  /** Last completed step (`pretraining.steps` unless stopped). */
  readonly step: number;
  /** Step resumed from (0 for a fresh start). */
  readonly resumedFrom: number;
  readonly history: PretrainingHistory;
}

/**
 * Pretrains (or resumes, or finds finished) the body of `config.model` on `texts`. When `<run dir>/pretrained` is a
 * link to a directory elsewhere and the pretraining there is not finished, that directory is locked while this
 * writes it (src/core/linked-directory-lock.ts; the run directory's lock covers one that is no link); a finished one
 * is only read, so runs may share it.
 * @throws ConfigError when the config has no `pretraining` section or `texts` is empty; CheckpointError when
 *   `<run dir>/pretrained` holds checkpoints of another pretraining config; DirectoryBusyError when the linked
 *   directory is being written by another process, DirectoryError when no lock can be written there (read-only),
 *   both only when pretraining is to run; RunFailedError-free: a non-finite loss throws NonFiniteError from Adam,
 *   naming the gradient.
 */
export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const { config, texts } = options;
  const settings = config.pretraining;
  if (!settings) throw new ConfigError('pretraining', 'metatrain pretrain needs a pretraining section in the config');
  if (texts.length === 0) throw new ConfigError('pretraining', 'no text to pretrain on (the meta-train classes and pretraining.texts are empty)');
  const store = pretrainingCheckpoints(config);
  const found = await latestPretraining(config, store);
  if ((found?.checkpoint.step ?? 0) >= settings.steps) return pretrainFrom(options, settings, store, found);
  // Its run directory and linked checkpoints are locked already (src/cli/run-directory-lock.ts): not again.
  const release = lockLinkedDirectory(pretrainedDir(config), [runDir(config), checkpointsDir(config)].map(realPath));
  if (!release) return pretrainFrom(options, settings, store, found);
  try {
    // Read again once locked: another process may have written there since.
    return await pretrainFrom(options, settings, store, await latestPretraining(config, store));
  } finally {
    release();
  }
}

/**
 * {@link pretrain} with its `settings` (`config.pretraining`), continuing from `found`, the newest checkpoint of
 * `store` (undefined: a fresh start).
 */
async function pretrainFrom(options: PretrainOptions, settings: NonNullable<RunConfig['pretraining']>, store: CheckpointStore, found: LatestCheckpoint | undefined): Promise<PretrainResult> {
  const { config, texts } = options;
  const hash = pretrainingHash(config);
  let params = found?.checkpoint.params ?? initPretrainingParams(config.model, deriveSeed(config.seed, 'pretrain-init'));
  const adam = new Adam(specOf(params), { lr: settings.lr }, found?.checkpoint.optimizer);
  const history: PretrainingHistory = (found?.checkpoint.extra['history'] as PretrainingHistory | undefined) ?? { steps: [], loss: [], accuracy: [] };
  const resumedFrom = found?.checkpoint.step ?? 0;
  let step = resumedFrom;
  let path = found?.checkpoint.path ?? '';
  let saved = resumedFrom;

  const model = createTransformer(config.model, 1);
  const tokenizer = textTokenizerFor(config.model);
  const { maxLength, layers } = config.model;
  const save = async () => {
    const written = await store.save({
      step,
      params,
      optimizer: adam.state(),
      configHash: hash,
      rng: { seed: config.seed, derivation: "deriveSeed(seed, 'pretrain', step)", nextStep: step + 1 },
      metrics: history.loss.length > 0 ? { loss: history.loss.at(-1)!, accuracy: history.accuracy.at(-1)! } : {},
      extra: { kind: PRETRAINING_KIND, config: recordedRunConfig(config), history },
      best: true,
    });
    for (const w of written.warnings) options.onWarning?.(w);
    path = written.path;
    saved = step;
  };

  if (resumedFrom > 0 && resumedFrom < settings.steps) options.onResume?.({ step: resumedFrom, steps: settings.steps, path });
  // A turn of the event loop after every step not checkpointed (a step takes milliseconds, a turn microseconds), so
  // that a stop asked for meanwhile (a signal handler) is seen at the next check.
  const turn = turnEvery(0);
  while (step < settings.steps && !options.stopping?.()) {
    const next = step + 1;
    const rng = new Rng(deriveSeed(config.seed, 'pretrain', next));
    const batch = Array.from({ length: settings.batchSize }, () => texts[rng.int(texts.length)]!);
    const masked = maskTokens(tokenizer.encode(batch), maxLength, tokenizer.vocabSize, settings.maskRate, rng);
    if (masked.targets.length === 0) throw new ConfigError('pretraining', `step ${next}: no token to predict in a batch of ${settings.batchSize} texts (are the texts empty?)`);
    const source = layers === 0 ? masked.rows : Int32Array.from(masked.rows, (r, i) => r * maxLength + masked.positions[i]!);
    const tensors = {
      input: tf.tensor2d(masked.input, [settings.batchSize, maxLength], 'int32'),
      source: tf.tensor1d(source, 'int32'),
      targets: tf.tensor1d(masked.targets, 'int32'),
    };
    const theta = toTensors(params);
    let result;
    try {
      result = objectiveGradient(theta, (p) => mlmObjective(model, layers === 0, p, tensors));
    } finally {
      tf.dispose([theta, tensors]);
    }
    params = adam.step(params, result.gradient);
    step = next;
    history.steps.push(step);
    history.loss.push(result.loss);
    history.accuracy.push(result.metric);
    options.onStep?.({ step, steps: settings.steps, loss: result.loss, accuracy: result.metric });
    if (step % settings.checkpointEverySteps === 0 || step === settings.steps) await save();
    else await turn();
  }
  if (step !== saved) await save();
  return { params, path, step, resumedFrom, history };
}
