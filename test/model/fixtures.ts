/** Small models and batches shared by the model tests (not a test file itself). */
import { parseRunConfig, type RunConfig } from '../../src/core/config';
import { createModel, initParams, toTensors, type EncodedBatch, type Model, type TensorMap } from '../../src/model';
import type { ParamFn } from './gradcheck';

/** A validated model config from a partial one. */
export function modelConfig(raw: Record<string, unknown>): RunConfig['model'] {
  const family = raw.kind === 'sinusoid-mlp' ? 'sinusoid' : 'sotu';
  return parseRunConfig({ name: 'test', task: { family }, model: raw }).model;
}

/** A 2-layer transformer small enough for finite differences: dModel 8, 2 heads, dFf 16, maxLength 12. */
export const tinyTransformer = modelConfig({ kind: 'transformer', layers: 2, dModel: 8, heads: 2, dFf: 16, maxLength: 12 });
/** An MLP 1-8-8-1. */
export const tinyMlp = modelConfig({ kind: 'sinusoid-mlp', hidden: [8, 8] });

/** Texts of varied lengths (padding, truncation, multi-byte characters) with labels in [0, 3). */
export const texts = ['hi', 'the quick brown fox jumps', 'déjà vu', '', 'ab ab ab', '日本語'];
export const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);

/** Model, parameter tensors and two encoded batches (support, query). The caller disposes via `dispose`. */
export interface Fixture {
  readonly model: Model;
  readonly params: TensorMap;
  readonly support: EncodedBatch;
  readonly query: EncodedBatch;
  lossOn(batch: EncodedBatch): ParamFn;
  dispose(): void;
}

/** Builds a fixture for `cfg` with random initial parameters from `seed`. */
export function fixture(cfg: RunConfig['model'], seed: number): Fixture {
  const outputs = cfg.kind === 'sinusoid-mlp' ? 1 : 3;
  const model = createModel(cfg, outputs);
  const params = toTensors(initParams(cfg, outputs, seed));
  const [support, query] =
    cfg.kind === 'sinusoid-mlp'
      ? [0.3, 1.1].map((phase) => {
          const x = Float32Array.from([-4.2, -2.5, -0.7, 0.4, 1.9, 3.3, 4.8]);
          return model.encode({ kind: 'regression', x, y: x.map((v) => 2 * Math.sin(v + phase)) });
        })
      : [texts, [...texts].reverse()].map((t) => model.encode({ kind: 'text', texts: t, labels }));
  return {
    model,
    params,
    support: support!,
    query: query!,
    lossOn: (batch) => (p) => model.loss(model.forward(p, batch.x), batch.y),
    dispose: () => {
      for (const t of Object.values(params)) t.dispose();
      for (const b of [support!, query!]) b.x.dispose(), b.y.dispose();
    },
  };
}
