/**
 * The pretrained body of a Transformer: which parameters masked-language-model pretraining learns, where a run
 * finds them (`model.init`) and how they replace the seeded initialization. No tfjs: the coordinator calls it.
 *
 * The body is every model parameter but the head (`head.*`, whose shape depends on the task) and the LoRA
 * adapters (they start at B = 0 whatever the body); Meta-SGD's `lr/…` tensors are not model parameters.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { modelInitDir, runModelConfig, type RunConfig } from '../core/config';
import { CheckpointError, NonFiniteError } from '../core/errors';
import { assertFinite, paramSet, type NamedTensor, type ParamSet, type ParamSpec } from '../core/param-set';
import { architectureOf, initParams, type ModelConfig } from '../model/architecture';
import { textTokenizerFor } from '../model/text-tokenizer';
import { readTokenizerBytes } from '../model/hf-tokenizer';
import { isLrName } from '../meta/meta-params';
import { loadCheckpoint, type Checkpoint, MANIFEST_FILE, CheckpointStore } from '../checkpoint';
import type { PretrainingHistory } from '../summary';
import { MLM_BIAS_NAME } from './mlm-bias';
import { modelInitInstead } from './model-init-instead';

/** What a run reads from its `model.init` checkpoint. */
export interface PretrainedBody {
  /** The body parameters (see the module docs). */
  readonly params: ParamSet;
  /** The checkpoint directory read. */
  readonly path: string;
  /** Its pretraining step. */
  readonly step: number;
  /** Its loss curve, when it is a pretraining checkpoint. */
  readonly history?: PretrainingHistory;
}

/** Whether model parameter `name` belongs to the body that pretraining learns and `model.init` replaces. */
export function isBodyName(name: string): boolean {
  return !name.startsWith('head.') && !/\.lora_[ab]$/.test(name) && !isLrName(name);
}

/**
 * Seeded initial pretraining parameters: the body of `initParams(model, 1, seed)` and `mlm.bias` `[vocab]` zeros.
 * @throws ShapeError as `architectureOf`.
 */
export function initPretrainingParams(model: ModelConfig, seed: number): ParamSet {
  const body = [...initParams(model, 1, seed)].filter(([n]) => isBodyName(n));
  const vocab = textTokenizerFor(model).vocabSize;
  return paramSet([...body, [MLM_BIAS_NAME, { shape: [vocab], data: new Float32Array(vocab) }]]);
}

/**
 * Names and shapes of the pretraining parameters of {@link initPretrainingParams}, without building them: the body
 * of `architectureOf(model, 1)` and `mlm.bias` `[vocab]`.
 * @throws ShapeError as `architectureOf`.
 */
export function pretrainingSpecOf(model: ModelConfig): ParamSpec {
  const body = [...architectureOf(model, 1).spec].filter(([n]) => isBodyName(n));
  return new Map([...body, [MLM_BIAS_NAME, [textTokenizerFor(model).vocabSize]]]);
}

/** Model fields that must agree between a pretrained checkpoint and the run using it (shapes do not show them). */
const TOKENIZER_FIELDS = ['kind', 'tokenizer', 'hashBuckets', 'wordBigrams'] as const;

/**
 * Reads (and so checks) a `model.init` checkpoint before a run starts any process or writes anything, so that a
 * directory that is not a compatible checkpoint fails in a second, not after the workers started; the caller hands
 * the body to the coordinator (`CoordinatorOptions.pretrained`), which then does not read it again.
 * @returns the body as {@link loadPretrainedBody}; undefined for `random`, and for `pretrained`, whose checkpoint
 *   the run writes first.
 * @throws CheckpointError as {@link loadPretrainedBody}.
 */
export async function loadModelInitBeforeStart(config: RunConfig): Promise<PretrainedBody | undefined> {
  return config.model.init === 'pretrained' ? undefined : loadPretrainedBody(config);
}

/**
 * Reads the pretrained body `config.model.init` names: a checkpoint directory (`…/step-NNNNNNNN`, holding
 * manifest.json) or a directory of checkpoints (`<run dir>/pretrained`), whose best.json names the one to use.
 * @returns undefined for `model.init: random`.
 * @throws CheckpointError naming the directory (and `model.init`) when it does not exist, holds no checkpoint (saying
 *   what it is instead, and which checkpoint to give, for a run, compressed or adapted model directory),
 *   fails verification, was written with another tokenizer (or, with `tokenizer: hf`, another tokenizer.json), or lacks a body parameter or holds one of another
 *   shape than `config.model` needs (naming the parameter and both shapes), or when a body parameter holds a value that
 *   is not finite (NaN, ±Infinity: naming the parameter and the index; the NonFiniteError is its cause).
 */
export async function loadPretrainedBody(config: RunConfig): Promise<PretrainedBody | undefined> {
  const dir = modelInitDir(config);
  if (dir === undefined) return undefined;
  const checkpoint = await readInitCheckpoint(config, dir);
  const recorded = (checkpoint.extra['config'] as { model?: Record<string, unknown> } | undefined)?.model;
  for (const field of TOKENIZER_FIELDS) {
    if (recorded && recorded[field] !== undefined && recorded[field] !== config.model[field]) {
      throw new CheckpointError(`model.init ${checkpoint.path}: pretrained with model.${field} ${JSON.stringify(recorded[field])}, but this run has ${JSON.stringify(config.model[field])}`);
    }
  }
  checkSameTokenizerFile(checkpoint.path, recorded?.['tokenizerPath'], runModelConfig(config).tokenizerPath);
  const spec = architectureOf(config.model, 1).spec;
  const body: Array<[string, NamedTensor]> = [];
  for (const [name, shape] of spec) {
    if (!isBodyName(name)) continue;
    const t = checkpoint.params.get(name);
    if (!t) throw new CheckpointError(`model.init ${checkpoint.path}: has no parameter ${name}, which this run's model needs (is it a checkpoint of the same architecture?)`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new CheckpointError(`model.init ${checkpoint.path}: parameter ${name} has shape [${t.shape.join(', ')}], this run's model needs [${shape.join(', ')}] (model.dModel, dFf, maxLength, hashBuckets must match the pretraining)`);
    }
    body.push([name, t]);
  }
  const params = paramSet(body);
  try {
    assertFinite(params, `model.init ${checkpoint.path}`);
  } catch (err) {
    if (!(err instanceof NonFiniteError)) throw err;
    throw new CheckpointError(`${err.message}; training cannot start from values that are not finite: give a checkpoint from before its run diverged (or import the model again)`, { cause: err });
  }
  const extra = checkpoint.extra as { kind?: unknown; history?: PretrainingHistory };
  return { params, path: checkpoint.path, step: checkpoint.step, history: extra.kind === PRETRAINING_KIND ? extra.history : undefined };
}

/**
 * With `tokenizer: hf`, the checkpoint's tokenizer.json (`recorded`, as its config recorded it) and the run's
 * (`used`, resolved) must hold the same bytes when they are different paths: the same vocabulary size does not
 * make the same ids. A recorded file that no longer exists is not checked.
 * @throws CheckpointError naming both files.
 */
function checkSameTokenizerFile(checkpoint: string, recorded: unknown, used: string | undefined): void {
  if (typeof recorded !== 'string' || used === undefined || resolve(recorded) === resolve(used) || !existsSync(recorded)) return;
  let same = false;
  try {
    same = readTokenizerBytes(recorded).equals(readTokenizerBytes(used));
  } catch {
    same = false;
  }
  if (!same) throw new CheckpointError(`model.init ${checkpoint}: was written with tokenizer ${recorded}, but this run's model.tokenizerPath ${used} is another file (or unreadable); use the tokenizer that came with the checkpoint`);
}

/** `extra.kind` of a pretraining checkpoint. */
export const PRETRAINING_KIND = 'mlm-pretraining';

async function readInitCheckpoint(config: RunConfig, dir: string): Promise<Checkpoint> {
  const hint = config.model.init === 'pretrained' ? ' (run metatrain pretrain CONFIG first, or metatrain run, which pretrains when it is missing)' : '';
  try {
    await stat(dir);
  } catch {
    throw new CheckpointError(`model.init: no pretrained checkpoint directory ${dir}${hint}`);
  }
  if (await exists(join(dir, MANIFEST_FILE))) return loadCheckpoint(dir);
  const best = await new CheckpointStore(dir, { keep: 1 }).loadBest();
  if (!best) throw new CheckpointError(`model.init: ${dir} holds no checkpoint (neither ${MANIFEST_FILE} nor best.json)${hint || `; ${await modelInitInstead(dir)}`}`);
  return best;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * `params` (meta-parameters or model parameters of the run) with every body parameter replaced by the pretrained one.
 * @throws CheckpointError when `body` lacks a body parameter of `params` (names it and the source).
 */
export function withPretrainedBody(params: ParamSet, body: PretrainedBody): ParamSet {
  return paramSet(
    [...params].map(([name, t]) => {
      if (!isBodyName(name)) return [name, t] as const;
      const p = body.params.get(name);
      if (!p) throw new CheckpointError(`model.init ${body.path}: has no parameter ${name}`);
      return [name, { shape: [...p.shape], data: Float32Array.from(p.data) }] as const;
    }),
  );
}
