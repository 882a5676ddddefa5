/**
 * Meta-distillation that keeps fast adaptation. Knowledge distillation (Hinton et al. 2015, "Distilling the
 * Knowledge in a Neural Network") applied where a meta-learned model is used — after adaptation:
 * 1. the teacher (the run's meta-initialization) is adapted on a meta-train task's support set with the run's
 *    inner loop (`algorithm.innerSteps`, `innerLr` or learned Meta-SGD rates, `adapt` subset), and its query-set
 *    outputs become the targets ({@link teacherTargets}, computed once per task);
 * 2. the student is adapted on the same support set by the same inner loop, and its query outputs are pulled
 *    towards the teacher's: loss = (1 − α) · T² · KL(softmax(t/T) ‖ softmax(s/T)) + α · CE(s, y) for
 *    classification (T = `compression.temperature`, the T² keeps gradient scales independent of T), and
 *    (1 − α) · MSE(s, t) + α · MSE(s, y) for regression;
 * 3. the gradient is taken with respect to the adapted student parameters and applied to its initialization —
 *    the first-order approximation of FOMAML (Finn et al. 2017 §5.2, Nichol et al. 2018), so the student learns
 *    an initialization whose *adapted* predictions match the adapted teacher's.
 * The student is thus evaluated, and deployed, adapted from its own initialization.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../core/config';
import type { ParamSet } from '../core/param-set';
import type { Model, TensorMap } from '../model/model';
import { adaptationStart, disposeStart } from '../meta/adapt';
import { disposeAdapted, innerLoop } from '../meta/inner-loop';
import { objectiveGradient } from '../meta/objective-gradient';
import type { Task } from '../tasks/task';

/** α: weight of the hard-label loss beside the soft targets (Hinton et al. found a low weight on it best). */
export const HARD_LABEL_WEIGHT = 0.2;

/** One distillation example: a task and the adapted teacher's query outputs `[nQuery, outputs]`, row-major. */
export interface DistillTarget {
  readonly task: Task;
  readonly teacher: Float32Array;
}

/** Adaptation settings shared by teacher and student. */
export type DistillAlgorithm = Pick<RunConfig['algorithm'], 'adapt' | 'innerLr' | 'innerSteps'> & Partial<Pick<RunConfig['algorithm'], 'headInit'>>;

/**
 * The adapted teacher's query outputs for each task (inner loop outside any tape; tensor count unchanged).
 * @param teacherMeta teacher meta-parameters (θ, plus `lr/…` for Meta-SGD), spec of `teacher`.
 * @throws ShapeError when the parameters or tasks do not fit the model.
 */
export function teacherTargets(teacher: Model, teacherMeta: ParamSet, tasks: readonly Task[], algorithm: DistillAlgorithm): DistillTarget[] {
  return tasks.map((task) => {
    const start = adaptationStart(teacher, teacherMeta, { steps: algorithm.innerSteps, algorithm });
    const support = teacher.encode(task.support);
    const query = teacher.encode(task.query);
    try {
      const adapted = innerLoop(teacher, start.params, support, { steps: algorithm.innerSteps, lr: start.lr, adaptable: start.adaptable, createGraph: false, prototypeHead: algorithm.headInit === 'prototypes' });
      const out = tf.tidy(() => teacher.forward(adapted, query.x).dataSync() as Float32Array).slice();
      disposeAdapted(adapted, start.params);
      return { task, teacher: out };
    } finally {
      disposeStart(start);
      tf.dispose([support.x, support.y, query.x, query.y]);
    }
  });
}

/**
 * The distillation loss of student outputs `s` against teacher outputs `t` and labels `y` (a scalar; see the
 * module docstring). `classification`: `s`, `t` `[n, classes]` logits, `y` `[n]` int32; otherwise `[n, k]`
 * predictions and targets.
 */
export function distillationLoss(s: tf.Tensor, t: tf.Tensor, y: tf.Tensor, temperature: number, classification: boolean): tf.Scalar {
  return tf.tidy(() => {
    if (!classification) {
      const soft = tf.mean(tf.square(tf.sub(s, t)));
      const hard = tf.mean(tf.square(tf.sub(s, y)));
      return tf.add(tf.mul(1 - HARD_LABEL_WEIGHT, soft), tf.mul(HARD_LABEL_WEIGHT, hard)) as tf.Scalar;
    }
    const logPt = tf.logSoftmax(tf.div(t, temperature));
    const logPs = tf.logSoftmax(tf.div(s, temperature));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1));
    const hard = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y as tf.Tensor1D, s.shape[1]!), tf.logSoftmax(s)), 1)));
    return tf.add(tf.mul((1 - HARD_LABEL_WEIGHT) * temperature * temperature, kl), tf.mul(HARD_LABEL_WEIGHT, hard)) as tf.Scalar;
  });
}

/**
 * One distillation gradient of the student: adapt on the support set (first order), score the query outputs
 * against the teacher's with {@link distillationLoss}. Returns the gradient with the spec of `student.spec` (no
 * `lr/…` entries: learned rates stay fixed) and the loss value. Tensor count unchanged.
 * @throws ShapeError when `studentMeta` or the task does not fit the model.
 */
export function distillGradient(
  student: Model,
  studentMeta: ParamSet,
  target: DistillTarget,
  algorithm: DistillAlgorithm,
  temperature: number,
  classification: boolean,
): { gradient: ParamSet; loss: number } {
  const start = adaptationStart(student, studentMeta, { steps: algorithm.innerSteps, algorithm });
  const support = student.encode(target.task.support);
  const query = student.encode(target.task.query);
  const teacher = tf.tensor2d(target.teacher, [query.x.shape[0]!, target.teacher.length / query.x.shape[0]!]);
  let adapted: TensorMap = start.params;
  try {
    adapted = innerLoop(student, start.params, support, { steps: algorithm.innerSteps, lr: start.lr, adaptable: start.adaptable, createGraph: false, prototypeHead: algorithm.headInit === 'prototypes' });
    const r = objectiveGradient(adapted, (p) => {
      const s = student.forward(p, query.x);
      return { loss: distillationLoss(s, teacher, query.y, temperature, classification), metric: tf.scalar(0) };
    });
    return { gradient: r.gradient, loss: r.loss };
  } finally {
    disposeAdapted(adapted, start.params);
    disposeStart(start);
    tf.dispose([support.x, support.y, query.x, query.y, teacher]);
  }
}
