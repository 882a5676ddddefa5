/**
 * Proto-MAML's head (Triantafillou et al. 2020, "Meta-Dataset", §3.2; Snell et al. 2017, "Prototypical
 * Networks", eq. 1 and §2.4): before the inner loop, the linear head is set from the support set so that its
 * logits are the negative squared Euclidean distances to the class prototypes (up to a per-example constant,
 * which softmax ignores): with c_k the mean feature of class k, head.w[:, k] = 2·c_k and head.b[k] = −‖c_k‖²,
 * since −‖f − c_k‖² = 2·c_k·f − ‖c_k‖² − ‖f‖². With 0 inner steps the model is a prototypical network; each
 * inner step fine-tunes that head. The head is a function of the body's features, so a gradient taken through
 * it (second-order MAML) reaches the body through the prototypes too; the meta-parameters `head.*` are then not
 * used (their meta-gradient is zero). Works for any number of classes: the head's width is the task's ways.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../core/errors';
import type { TensorMap } from '../model/model';

/**
 * `params` with `head.w` `[f, ways]` and `head.b` `[ways]` replaced by the prototype head of `features` `[n, f]`
 * with int32 `labels` `[n]` in [0, ways), where `ways` is the width of `params['head.w']`. A class without
 * examples gets a zero prototype. The new tensors are made in the current scope (differentiable with respect to
 * `features`); the caller owns them. Task-batched form (src/model/task-batched): with a leading task axis on
 * everything — `head.w` `[T, f, ways]`, `head.b` `[T, ways]`, features `[T, n, f]`, labels `[T, n]` — each task
 * gets the prototype head of its own support set.
 * @throws ShapeError when `params` has no linear head `head.w` `[f, ways]`, `head.b` `[ways]` (or their batched
 *   forms), or the features and labels do not fit it.
 */
export function withPrototypeHead(params: TensorMap, features: tf.Tensor, labels: tf.Tensor): TensorMap {
  const w = params['head.w'];
  const b = params['head.b'];
  const lead = w ? w.rank - 2 : 0; // 1 with a leading task axis
  if (!w || !b || (lead !== 0 && lead !== 1) || b.rank !== lead + 1 || b.shape[lead] !== w.shape[lead + 1] || (lead === 1 && b.shape[0] !== w.shape[0])) {
    throw new ShapeError(`prototype head: needs a linear head head.w [f, ways] and head.b [ways], got head.w [${w?.shape.join(', ') ?? 'absent'}], head.b [${b?.shape.join(', ') ?? 'absent'}]`);
  }
  const [f, ways] = w.shape.slice(lead) as [number, number];
  const tasks = w.shape.slice(0, lead);
  if (features.rank !== lead + 2 || features.shape[lead + 1] !== f || labels.rank !== lead + 1 || labels.dtype !== 'int32' || labels.shape[lead] !== features.shape[lead] || !tf.util.arraysEqual(features.shape.slice(0, lead), tasks) || !tf.util.arraysEqual(labels.shape.slice(0, lead), tasks)) {
    const expected = tasks.map((t) => `${t}, `).join('');
    throw new ShapeError(`prototype head: needs features [${expected}n, ${f}] and int32 labels [${expected}n], got features [${features.shape.join(', ')}] and ${labels.dtype} labels [${labels.shape.join(', ')}]`);
  }
  const swap = lead === 0 ? [1, 0] : [0, 2, 1]; // transposes the last two axes
  const [headW, headB] = tf.tidy(() => {
    const members = tf.transpose(tf.oneHot(labels, ways), swap); // [(T,) ways, n]
    const counts = tf.maximum(tf.sum(members, -1, true), 1); // [(T,) ways, 1]
    const prototypes = tf.div(tf.matMul(members, features), counts); // [(T,) ways, f]
    return [tf.transpose(tf.mul(prototypes, 2), swap), tf.neg(tf.sum(tf.square(prototypes), -1))];
  });
  return { ...params, 'head.w': headW!, 'head.b': headB! };
}
