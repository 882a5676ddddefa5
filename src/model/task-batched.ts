/**
 * A model seen over T tasks at once: every parameter carries a leading task axis (`[T, …]`, task t's copy is slice
 * t), inputs are `[T, n, …]`, predictions `[T, n, outputs]`. Its `loss` is the *sum* over tasks of each task's
 * mean loss, so one gradient of it holds every task's own gradient (slice t of ∂Σₛ Lₛ/∂θ is ∂Lₜ/∂θₜ: task s's
 * loss does not read θₜ for s ≠ t). That is what lets the unchanged inner loop (src/meta/inner-loop) run T tasks
 * as one: with the tensors per op multiplied by T and the op count unchanged, tfjs's per-op overhead — which
 * dominates on the tiny tensors of few-shot tasks (bench/inner-loop-profile.ts: ~370 kernels per sinusoid task,
 * about 16 µs each) — is paid once per batch instead of once per task.
 *
 * - Head (every model kind: a linear `head.w [f, outputs]`, `head.b [outputs]`): batched matrix products.
 * - Body of the sinusoid MLP: batched matrix products too (fully vectorized).
 * - Body of the text models: the model's own `features`, once per task, stacked. `features` reads each task's slice
 *   of tiled body parameters (correct for any adapted subset, but no faster than one task at a time); under
 *   `adapt: head` (ANIL, Proto-MAML) `taskFeatures` runs it at the shared untiled parameters instead, and everything
 *   after the features — the head's inner steps, their second-order backward — is batched
 *   (src/meta/batched-head-gradient).
 * Second order stays exact: the ops are batched forms of those of the models (matMul, add, ReLU, `logSoftmax` of
 * ./exact-grad-ops), whose gradients are built from their inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import type { ExampleSet } from '../tasks/task';
import type { ModelConfig } from './architecture';
import { logSoftmax } from './exact-grad-ops';
import type { EncodedBatch, Model, TensorMap } from './model';
import { param } from './params-tf';
import { stackBatches } from './task-stack';

/** A {@link Model} over task-stacked tensors, with per-task losses and metrics. */
export interface TaskBatchedModel extends Model {
  /** The per-task model it batches (its `spec` is the spec of one task's parameters). */
  readonly single: Model;
  /**
   * True when the body runs once per task (text models) rather than batched (the sinusoid MLP). Its batched
   * `features` then reads task slices of tiled body parameters; with the body frozen (`adapt: head`), use
   * {@link TaskBatchedModel.taskFeatures} on the untiled parameters instead (src/meta/batched-head-gradient).
   */
  readonly bodyPerTask: boolean;
  /** The body's features `[T, n, f]` of the per-task `inputs` of a {@link TaskBatch}, at the shared (untiled) `params`. */
  taskFeatures(params: TensorMap, inputs: readonly tf.Tensor[]): tf.Tensor;
  /**
   * Encodes one example set per task and stacks them: `[T, n, …]`. The caller disposes `tensors` (not only `x` and
   * `y`). @throws ShapeError when the sets differ in size or do not fit the model.
   */
  encodeTasks(sets: readonly ExampleSet[]): TaskBatch;
  /** Each task's mean loss `[T]` for predictions `[T, n, outputs]` and targets `[T, n, …]`. */
  taskLoss(prediction: tf.Tensor, y: tf.Tensor): tf.Tensor1D;
  /** Each task's metric `[T]` (MSE, or accuracy in [0, 1]). */
  taskMetric(prediction: tf.Tensor, y: tf.Tensor): tf.Tensor1D;
}

/** Stacked sets of T tasks, and every tensor made for them (the per-task inputs of a per-task body included). */
export interface TaskBatch extends EncodedBatch {
  /** Each task's own input tensor `[n, …]` (as `model.encode` made it). */
  readonly inputs: readonly tf.Tensor[];
  /** Tensors to dispose when done with the batch: `x`, `y` and `inputs`. */
  readonly tensors: readonly tf.Tensor[];
}

/**
 * The task-batched view of `model`, built by `createModel(config, …)`. `loss(p, y)` is Σₜ `taskLoss(p, y)[t]`,
 * `metric` likewise Σₜ. Inputs come from `encodeTasks` (`encode` refuses: a one-set encoding has no task axis).
 * Example: `const b = taskBatched(model, config); b.taskLoss(b.forward(tiled, b.encodeTasks(sets).x), y)`.
 */
export function taskBatched(model: Model, config: ModelConfig): TaskBatchedModel {
  const regression = config.kind === 'sinusoid-mlp';
  const perTask = regression ? undefined : perTaskBody(model);
  const features = perTask?.features ?? mlpFeatures(config.hidden.length);
  const taskLoss = regression ? taskMeanSquaredError : taskCrossEntropy;
  const taskMetric = regression ? taskMeanSquaredError : taskAccuracy;
  const encodeTasks = (sets: readonly ExampleSet[]): TaskBatch => {
    const encoded: EncodedBatch[] = [];
    try {
      for (const set of sets) encoded.push(model.encode(set));
      const stacked = stackBatches(encoded);
      const inputs = encoded.map((b) => b.x);
      perTask?.registerInputs(stacked.x, inputs);
      tf.dispose(encoded.map((b) => b.y));
      return { ...stacked, inputs, tensors: [stacked.x, stacked.y, ...inputs] };
    } catch (err) {
      tf.dispose(encoded.flatMap((b) => [b.x, b.y]));
      throw err;
    }
  };
  return {
    ...model,
    single: model,
    bodyPerTask: perTask !== undefined,
    taskFeatures: (params, inputs) => tf.tidy(() => tf.stack(inputs.map((x) => model.features(params, x)))),
    encode: () => {
      throw new ShapeError('a task-batched model encodes through encodeTasks (one set per task)');
    },
    encodeTasks,
    features,
    head: linearHead,
    forward: (params, x) => tf.tidy(() => linearHead(params, features(params, x))),
    loss: (p, y) => tf.tidy(() => tf.sum(taskLoss(p, y))),
    metric: (p, y) => tf.tidy(() => tf.sum(taskMetric(p, y))),
    taskLoss,
    taskMetric,
  };
}

/**
 * `x` `[T, n, in]` · `w` `[T, in, out]` + `b` `[T, out]` → `[T, n, out]`. tfjs's own `matMul` (its gradient uses
 * transposed operands), not ./mat-mul's explicit transposes: on these tiny batched products the extra transpose
 * kernels cost more than they save (measured with 25 sinusoid tasks: wasm 40 vs 42 ms, cpu 42 vs 85 ms per batch).
 * A single input feature is multiplied by broadcasting instead (the same products; wasm 7.2 vs 10.4 ms per batch).
 */
function taskDense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor3D {
  // With one input feature (the MLP's first layer) the product is a broadcast multiply: [T, n, 1] ⊙ [T, 1, out].
  const product = x.shape[2] === 1 ? tf.mul(x, w) : tf.matMul(x as tf.Tensor3D, w as tf.Tensor3D);
  return tf.add(product, tf.expandDims(b, 1));
}

/** Predictions `[T, n, outputs]` of the linear head on features `[T, n, f]`. */
function linearHead(params: TensorMap, features: tf.Tensor): tf.Tensor {
  return tf.tidy(() => taskDense(features, param(params, 'head.w'), param(params, 'head.b')));
}

/** The sinusoid MLP's body batched: ReLU(x · Wᵢ + bᵢ) for each hidden layer, x `[T, n, 1]`. */
function mlpFeatures(depth: number): (params: TensorMap, x: tf.Tensor) => tf.Tensor {
  return (params, x) => {
    if (x.rank !== 3 || x.shape[2] !== 1) throw new ShapeError(`sinusoid-mlp (task-batched) forward: x must be [T, n, 1], got [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      let h: tf.Tensor = x;
      for (let i = 0; i < depth; i++) h = tf.relu(taskDense(h, param(params, `layer${i}.w`), param(params, `layer${i}.b`)));
      return h;
    });
  };
}

/**
 * Any model's body, run once per task on that task's slice of the body parameters and that task's own input
 * tensor, stacked: `[T, n, f]`. The per-task inputs are kept (the `inputs` of the TaskBatch, registered against the
 * stacked `x` that `encodeTasks` returns) rather than sliced from `x` inside the forward pass: a model's gradient may close
 * over its input (the embedding lookup's does, over the ids), so the input must outlive the gradient scope.
 */
function perTaskBody(model: Model): { features: (params: TensorMap, x: tf.Tensor) => tf.Tensor; registerInputs: (x: tf.Tensor, inputs: tf.Tensor[]) => void } {
  const inputsOf = new WeakMap<tf.Tensor, tf.Tensor[]>();
  return {
    registerInputs: (x, inputs) => void inputsOf.set(x, inputs),
    features: (params, x) => {
      const inputs = inputsOf.get(x);
      if (!inputs || inputs.some((t) => t.isDisposed)) throw new ShapeError(`task-batched model: inputs [${x.shape.join(', ')}] were not made by encodeTasks (or were disposed)`);
      return tf.tidy(() => {
        const body = Object.keys(params).filter((n) => !model.headNames.includes(n));
        // tf.slice, not tf.unstack: unstack's gradient fails when a parameter the body does not read gets none.
        const slice = (p: tf.Tensor, t: number) => tf.reshape(tf.slice(p, t, 1), p.shape.slice(1));
        return tf.stack(inputs.map((xt, t) => model.features(Object.fromEntries(body.map((n) => [n, slice(params[n]!, t)])), xt)));
      });
    },
  };
}

/**
 * Mean squared error of each task: `[T]` for prediction and y `[T, n, outputs]` (the batched form of
 * `meanSquaredError`). @throws ShapeError when the shapes differ.
 */
export function taskMeanSquaredError(prediction: tf.Tensor, y: tf.Tensor): tf.Tensor1D {
  if (prediction.rank !== 3 || !tf.util.arraysEqual(prediction.shape, y.shape)) {
    throw new ShapeError(`task mse: prediction [${prediction.shape.join(', ')}] and y [${y.shape.join(', ')}] must be equal [T, n, outputs]`);
  }
  return tf.tidy(() => tf.mean(tf.square(tf.sub(prediction, y)), [1, 2]));
}

/**
 * Mean softmax cross-entropy (nats) of each task: `[T]` for logits `[T, n, classes]` and int32 labels `[T, n]`.
 * Second-order exact (`logSoftmax` of ./exact-grad-ops). @throws ShapeError on other shapes or dtypes.
 */
export function taskCrossEntropy(logits: tf.Tensor, y: tf.Tensor): tf.Tensor1D {
  checkTaskClassification('task cross-entropy', logits, y);
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, logits.shape[2]!), logSoftmax(logits)), 2), 1)) as tf.Tensor1D);
}

/**
 * Accuracy of each task: `[T]`, the fraction of examples whose arg-max logit (ties: lowest index) is the label.
 * @throws ShapeError on other shapes or dtypes.
 */
export function taskAccuracy(logits: tf.Tensor, y: tf.Tensor): tf.Tensor1D {
  checkTaskClassification('task accuracy', logits, y);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 2), y), 'float32'), 1) as tf.Tensor1D);
}

function checkTaskClassification(op: string, logits: tf.Tensor, y: tf.Tensor): void {
  if (logits.rank !== 3 || y.rank !== 2 || y.dtype !== 'int32' || y.shape[0] !== logits.shape[0] || y.shape[1] !== logits.shape[1]) {
    throw new ShapeError(`${op}: needs logits [T, n, classes] and int32 labels [T, n], got logits [${logits.shape.join(', ')}] and ${y.dtype} labels [${y.shape.join(', ')}]`);
  }
}
