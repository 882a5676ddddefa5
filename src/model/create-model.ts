/** The model factory: one place mapping `model.kind` of a run config to its implementation. */
import type { ModelConfig } from './architecture';
import type { Model } from './model';
import { createBert } from './bert';
import { createSinusoidMlp } from './sinusoid-mlp';
import { createTransformer } from './transformer';

/**
 * The model of `model.kind` (`sinusoid-mlp`, `transformer` or `bert`) with `outputs` outputs
 * (1 for regression, N for N-way classification; `TaskFamily.outputs`).
 * @throws ShapeError when `outputs` is not a positive integer or the transformer widths are inconsistent.
 */
export function createModel(model: ModelConfig, outputs: number): Model {
  switch (model.kind) {
    case 'sinusoid-mlp':
      return createSinusoidMlp(model, outputs);
    case 'transformer':
      return createTransformer(model, outputs);
    case 'bert':
      return createBert(model, outputs);
  }
}
