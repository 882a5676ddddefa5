/**
 * Runs the train and eval tasks a worker holds at the same time as batches: `train`/`evaluate` calls made within one
 * turn of the event loop (the worker starts every assignment it can take at once: `concurrency`) are collected, and
 * those at the same parameters (the same ParamSet, as the worker's ParamCache hands out per version) go to the
 * engine's `trainBatch`/`evaluateBatch` together — task-vectorized on tfjs (src/worker/tfjs-engine). Results are
 * per task, as before. A batch that fails is retried task by task, so a bad task fails alone.
 */
import type { ParamSet } from '../core/param-set';
import type { TaskSpec } from '../tasks/task';
import type { Engine, EvalCurve, GradientResult } from './engine';

/** One pending call: its group key, task, and how to answer it. */
interface Pending<R> {
  readonly params: ParamSet;
  readonly key: string;
  readonly task: TaskSpec;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * `engine` with `train` and `evaluate` coalesced into `trainBatch` and `evaluateBatch` calls (see the file comment);
 * `engine` itself when it has neither batch method. Each call still returns its own task's result.
 */
export function coalescingEngine(engine: Engine): Engine {
  const { trainBatch, evaluateBatch } = engine;
  if (!trainBatch && !evaluateBatch) return engine;
  const train = trainBatch
    ? coalesce<GradientResult>((params, _key, tasks) => trainBatch.call(engine, params, tasks), (params, task) => engine.train(params, task))
    : undefined;
  const evaluate = evaluateBatch
    ? coalesce<EvalCurve>(
        (params, key, tasks) => {
          const [steps, resetHead] = JSON.parse(key) as [number, boolean];
          return evaluateBatch.call(engine, params, tasks, steps, resetHead);
        },
        (params, task, key) => {
          const [steps, resetHead] = JSON.parse(key) as [number, boolean];
          return engine.evaluate(params, task, steps, resetHead);
        },
      )
    : undefined;
  return {
    get metaSpec() {
      return engine.metaSpec;
    },
    get jointSpec() {
      return engine.jointSpec;
    },
    train: train ? (params, task) => train(params, '', task) : (params, task) => engine.train(params, task),
    evaluate: evaluate ? (params, task, steps, resetHead) => evaluate(params, JSON.stringify([steps, resetHead]), task) : (params, task, steps, resetHead) => engine.evaluate(params, task, steps, resetHead),
    joint: (params, seed, size) => engine.joint(params, seed, size),
    memory: () => engine.memory(),
  };
}

/**
 * A function that queues `(params, key, task)` and, on the next turn of the event loop, runs every queued call with
 * the same `params` and `key` through one `batch` call (one task alone through `single`).
 */
function coalesce<R>(
  batch: (params: ParamSet, key: string, tasks: TaskSpec[]) => R[] | Promise<R[]>,
  single: (params: ParamSet, task: TaskSpec, key: string) => R | Promise<R>,
): (params: ParamSet, key: string, task: TaskSpec) => Promise<R> {
  let pending: Array<Pending<R>> = [];
  const flush = async (): Promise<void> => {
    const calls = pending;
    pending = [];
    const groups = new Map<ParamSet, Map<string, Array<Pending<R>>>>();
    for (const call of calls) {
      const byKey = groups.get(call.params) ?? new Map<string, Array<Pending<R>>>();
      groups.set(call.params, byKey);
      byKey.set(call.key, [...(byKey.get(call.key) ?? []), call]);
    }
    for (const [params, byKey] of groups) {
      for (const [key, group] of byKey) {
        let results: R[] | undefined;
        if (group.length > 1) {
          try {
            results = await batch(params, key, group.map((c) => c.task));
          } catch {
            results = undefined; // retried one by one below, so that only a failing task fails
          }
        }
        for (const [i, call] of group.entries()) {
          if (results) call.resolve(results[i]!);
          else await new Promise<R>((answer) => answer(single(params, call.task, key))).then(call.resolve, call.reject);
        }
      }
    }
  };
  return (params, key, task) =>
    new Promise<R>((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ params, key, task, resolve, reject });
    });
}
