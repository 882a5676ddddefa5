/**
 * Merging LoRA adapters into the weights they adapt, for compression and export (Hu et al. 2021, §4.1: "we can
 * explicitly compute and store W = W₀ + BA … no additional inference latency"): W ← W + (α/r)·A·B for every adapted
 * weight, then the adapters (and Meta-SGD's rates of the adapters) are dropped and the model becomes a plain
 * Transformer (`loraRank: 0`) that computes the same function. No tfjs: float64 accumulation per element.
 */
import { paramSet, type NamedTensor, type ParamSet } from '../core/param-set';
import { ShapeError } from '../core/errors';
import { LORA_TARGETS, loraNamesOf, type ModelConfig } from '../model/architecture';
import { isLrName, LR_PREFIX } from '../meta/meta-params';
import type { AlgorithmConfig } from '../meta/meta-params';

/** A LoRA model merged into a plain one. */
export interface MergedLora {
  /** `model` with `loraRank: 0`. */
  readonly model: ModelConfig;
  /** The merged parameters (meta-parameters: `lr/…` of the head kept). */
  readonly params: ParamSet;
  /** `algorithm` with `adapt: head` (the adapters are gone; the head still adapts). */
  readonly algorithm: AlgorithmConfig;
}

/** `W + scale · A·B` for W `[in, out]`, A `[in, r]`, B `[r, out]`. @throws ShapeError on mismatched shapes. */
function merged(name: string, w: NamedTensor, a: NamedTensor, b: NamedTensor, scale: number): NamedTensor {
  const [n, m] = w.shape as [number, number];
  const r = a.shape[1]!;
  if (a.shape[0] !== n || b.shape[0] !== r || b.shape[1] !== m) {
    throw new ShapeError(`LoRA merge of ${name}: W [${w.shape.join(', ')}], A [${a.shape.join(', ')}], B [${b.shape.join(', ')}] do not fit W + A·B`);
  }
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let k = 0; k < r; k++) sum += a.data[i * r + k]! * b.data[k * m + j]!;
      out[i * m + j] = w.data[i * m + j]! + scale * sum;
    }
  }
  return { shape: [n, m], data: out };
}

/**
 * Merges the adapters of `params` (a run with `model.loraRank` r > 0) into their weights.
 * Models without adapters are returned as they are.
 * @throws ShapeError when an adapter is missing or does not fit its weight.
 */
export function mergeLora(params: ParamSet, model: ModelConfig, algorithm: AlgorithmConfig): MergedLora {
  if (model.loraRank === 0) return { model, params, algorithm };
  const scale = model.loraAlpha / model.loraRank;
  const adapters = new Set<string>();
  const replaced = new Map<string, NamedTensor>();
  for (let i = 0; i < model.layers; i++) {
    for (const target of LORA_TARGETS) {
      const name = `layer${i}.${target}`;
      const { a, b } = loraNamesOf(name);
      const [w, ta, tb] = [params.get(name), params.get(a), params.get(b)];
      if (!w || !ta || !tb) throw new ShapeError(`LoRA merge: ${!w ? name : !ta ? a : b} is missing from the parameters`);
      replaced.set(name, merged(name, w, ta, tb, scale));
      adapters.add(a).add(b);
    }
  }
  const isAdapter = (n: string) => adapters.has(isLrName(n) ? n.slice(LR_PREFIX.length) : n);
  return {
    model: { ...model, loraRank: 0 },
    params: paramSet([...params].filter(([n]) => !isAdapter(n)).map(([n, t]) => [n, replaced.get(n) ?? t] as const)),
    algorithm: { ...algorithm, adapt: 'head' },
  };
}
