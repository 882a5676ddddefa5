/**
 * A simulated worker engine (issue 10): the real worker (src/worker/worker.ts: same gRPC wire, same auth, same
 * chunked results) runs it instead of tfjs, so hundreds of workers fit in a few processes and the coordinator can
 * be measured at scale. A task waits for its {@link taskMilliseconds} (a timer, no CPU) and returns a meta-gradient
 * with the real meta-parameter spec whose every value is a small number fixed by the task seed (deterministic,
 * finite, cheap to make: `Float32Array.fill`). Evaluation returns a flat curve. No tfjs.
 */
import type { RunConfig } from '../core/config';
import { paramSet, type ParamSet, type ParamSpec } from '../core/param-set';
import { architectureOf } from '../model/architecture';
import { metaParamSpec } from '../meta/meta-params';
import { taskFamilyFor } from '../tasks/task-family';
import type { TaskSpec } from '../tasks/task';
import type { Engine, EvalCurve, GradientResult } from '../worker/engine';
import { taskMilliseconds, type TimeModel } from './time-model';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The synthetic gradient of `spec` for task `seed`: every value (seed mod 1000 − 500) · 1e-6. */
export function syntheticGradient(spec: ParamSpec, seed: number): ParamSet {
  const value = ((seed % 1000) - 500) * 1e-6;
  return paramSet([...spec].map(([name, shape]) => [name, { shape: [...shape], data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) }] as const));
}

/**
 * The simulated engine of a run on the worker named `worker` (its stragglers: ./time-model). Building it builds the task family once (the specs depend on it).
 * @throws as `taskFamilyFor` when the config's task family cannot be built.
 */
export function simulatedEngine(config: RunConfig, time: TimeModel, worker: string): Engine {
  const family = taskFamilyFor(config);
  const metaSpec = metaParamSpec(architectureOf(config.model, family.outputs), config.algorithm);
  const jointSpec = architectureOf(config.model, Math.max(1, family.classCount('train'))).spec;
  const gradient = async (spec: ParamSpec, seed: number): Promise<GradientResult> => {
    await sleep(taskMilliseconds(time, seed, worker));
    return { gradient: syntheticGradient(spec, seed), loss: 1, metric: 0.5 };
  };
  return {
    metaSpec,
    jointSpec,
    train: (_params: ParamSet, task: TaskSpec) => gradient(metaSpec, task.seed),
    joint: (_params: ParamSet, seed: number) => gradient(jointSpec, seed),
    async evaluate(_params: ParamSet, task: TaskSpec, steps: number): Promise<EvalCurve> {
      await sleep(taskMilliseconds(time, task.seed, worker));
      return { loss: new Array<number>(steps + 1).fill(1), metric: new Array<number>(steps + 1).fill(0.5) };
    },
    memory: () => ({ tensors: 0, bytes: 0 }),
  };
}
