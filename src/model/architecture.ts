/**
 * Model architectures as data: parameter names and shapes (`ParamSpec`) and seeded initial values
 * (`ParamSet`). No tfjs here — the coordinator builds and initializes the meta-parameters without loading it.
 *
 * Parameter names (stable: they are checkpoint keys and wire names):
 * - sinusoid MLP: `layer{i}.w [in, out]`, `layer{i}.b [out]` for each hidden layer, `head.w [last, 1]`, `head.b [1]`.
 * - Transformer (pre-LayerNorm encoder, Xiong et al. 2020): `embed.token [vocab, dModel]` (vocab: 258 byte ids, or
 *   `hashBuckets` with the `hashed-words` tokenizer),
 *   `embed.position [maxLength, dModel]`; per layer i: `layer{i}.ln1.gain|bias [dModel]`,
 *   `layer{i}.attn.wq|wk|wv|wo [dModel, dModel]`, `layer{i}.attn.bq|bv|bo [dModel]` (no key
 *   bias: softmax cancels it),
 *   `layer{i}.ln2.gain|bias [dModel]`, `layer{i}.ff.w1 [dModel, dFf]`, `layer{i}.ff.b1 [dFf]`,
 *   `layer{i}.ff.w2 [dFf, dModel]`, `layer{i}.ff.b2 [dModel]`; then `norm.gain|bias [dModel]`,
 *   `head.w [dModel, outputs]`, `head.b [outputs]`.
 * - BERT (the Hugging Face `BertModel` layout, post-LayerNorm, Devlin et al. 2019; `metatrain import-hf` maps a
 *   checkpoint's tensors to these names, src/hf/hf-weights.ts): `embed.token [vocabSize, dModel]`
 *   (`word_embeddings`), `embed.position [maxLength, dModel]` (the first maxLength rows of `position_embeddings`),
 *   `embed.type [typeVocabSize, dModel]` (`token_type_embeddings`), `embed.norm.gain|bias [dModel]` (embeddings
 *   LayerNorm); per layer i: `layer{i}.attn.wq|wk|wv|wo [dModel, dModel]` and `layer{i}.attn.bq|bk|bv|bo [dModel]`
 *   (query, key, value, attention output dense; [in, out], the transpose of PyTorch's weight),
 *   `layer{i}.ln1.gain|bias [dModel]` (attention output LayerNorm), `layer{i}.ff.w1 [dModel, dFf]`, `ff.b1 [dFf]`
 *   (intermediate dense), `layer{i}.ff.w2 [dFf, dModel]`, `ff.b2 [dModel]` (output dense),
 *   `layer{i}.ln2.gain|bias [dModel]` (output LayerNorm); `head.w [dModel, outputs]`, `head.b [outputs]`. No final
 *   norm (post-LN: each layer ends in one); no pooler (the features are the mean of the token states).
 * - With `loraRank` r > 0, each weight W `[in, out]` of {@link LORA_TARGETS} in each layer also has low-rank
 *   adapters `W.lora_a [in, r]` (U(±1/√in), as PEFT's Kaiming-uniform) and `W.lora_b [r, out]` (zeros): the
 *   layer uses W + (loraAlpha / r)·A·B (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models").
 */
import type { RunConfig } from '../core/config';
import { ShapeError } from '../core/errors';
import { paramSet, sizeOfShape, type NamedTensor, type ParamSet, type ParamSpec } from '../core/param-set';
import { Rng } from '../core/rng';
import { textTokenizerFor } from './text-tokenizer';

/** The model section of a run config. */
export type ModelConfig = RunConfig['model'];

/** How a parameter is initialized. */
type Init = 'glorot' | 'he' | 'zeros' | 'ones' | 'embedding' | 'linear';

interface ParamDef {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Init;
  /** Fan-in of the layer, for `linear` biases (their shape does not show it). */
  readonly fanIn?: number;
}

/** Names and shapes of a model's parameters, and which of them the ANIL / LayerNorm adaptation subsets hold. */
export interface Architecture {
  readonly spec: ParamSpec;
  /** Output head parameters (`head.w`, `head.b`). */
  readonly headNames: string[];
  /** LayerNorm gains and biases (empty for the MLP). */
  readonly layerNormNames: string[];
  /** LoRA adapter tensors `….lora_a`, `….lora_b` (empty without `loraRank`). */
  readonly loraNames: string[];
}

/** The weights of each Transformer layer that get LoRA adapters (attention and feed-forward). */
export const LORA_TARGETS = ['attn.wq', 'attn.wk', 'attn.wv', 'attn.wo', 'ff.w1', 'ff.w2'] as const;

/** Names of the adapters of weight `name`: `{ a: name.lora_a, b: name.lora_b }`. */
export function loraNamesOf(name: string): { a: string; b: string } {
  return { a: `${name}.lora_a`, b: `${name}.lora_b` };
}

/**
 * The architecture of `model` with `outputs` outputs (1 for regression, N for N-way classification).
 * @throws ShapeError when `outputs` is not a positive integer, or `dModel` is not divisible by `heads`.
 */
export function architectureOf(model: ModelConfig, outputs: number): Architecture {
  const defs = paramDefs(model, outputs);
  const spec: ParamSpec = new Map(
    defs.map((d) => [d.name, [...d.shape]] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const names = defs.map((d) => d.name);
  return {
    spec,
    headNames: names.filter((n) => n.startsWith('head.')).sort(),
    layerNormNames: names.filter((n) => /(^|\.)(ln\d|norm)\.(gain|bias)$/.test(n)).sort(),
    loraNames: names.filter((n) => /\.lora_[ab]$/.test(n)).sort(),
  };
}

/**
 * Seeded initial parameters (deterministic: same config, outputs and seed ⇒ bitwise-identical values).
 * Weights feeding a ReLU: He uniform, U(±√(6/fanIn)) (He et al. 2015); other matrices: Glorot uniform,
 * U(±√(6/(fanIn+fanOut))) (Glorot & Bengio 2010); embeddings: N(0, 1) (PyTorch's `nn.Embedding` default; unit
 * scale matters here: LayerNorm divides by the input's scale, so small embeddings get gradients ∝ 1/scale and an
 * inner SGD step with a shared learning rate would overshoot them);
 * biases zero; LayerNorm gains one. The sinusoid MLP instead uses PyTorch's `nn.Linear` default, weights and biases
 * U(±1/√fanIn), as the MAML reference implementations do (He-uniform with fan-in 1 puts first-layer weights at
 * ±2.4 and makes an inner step at lr 0.01 overshoot). Values are drawn in sorted-name order from one `Rng(seed)`.
 * @throws ShapeError as {@link architectureOf}.
 */
export function initParams(model: ModelConfig, outputs: number, seed: number): ParamSet {
  const rng = new Rng(seed);
  const defs = [...paramDefs(model, outputs)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return paramSet(defs.map((d) => [d.name, initTensor(d, rng)] as const));
}

function initTensor(def: ParamDef, rng: Rng): NamedTensor {
  const data = new Float32Array(sizeOfShape(def.shape));
  const [fanIn = 1, fanOut = 1] = def.shape;
  switch (def.init) {
    case 'zeros':
      break;
    case 'ones':
      data.fill(1);
      break;
    case 'glorot':
    case 'he': {
      const limit = def.init === 'he' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
      break;
    }
    case 'embedding':
      for (let i = 0; i < data.length; i++) data[i] = rng.normal();
      break;
    case 'linear': {
      const limit = 1 / Math.sqrt(def.fanIn ?? fanIn);
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
      break;
    }
  }
  return { shape: [...def.shape], data };
}

function paramDefs(model: ModelConfig, outputs: number): ParamDef[] {
  if (!Number.isInteger(outputs) || outputs <= 0) {
    throw new ShapeError(`model ${model.kind}: outputs must be a positive integer, got ${outputs}`);
  }
  if (model.kind === 'sinusoid-mlp') return mlpDefs(model, outputs);
  return model.kind === 'bert' ? bertDefs(model, outputs) : transformerDefs(model, outputs);
}

function mlpDefs(model: ModelConfig, outputs: number): ParamDef[] {
  const defs: ParamDef[] = [];
  let width = 1;
  model.hidden.forEach((h, i) => {
    defs.push({ name: `layer${i}.w`, shape: [width, h], init: 'linear' }, { name: `layer${i}.b`, shape: [h], init: 'linear', fanIn: width });
    width = h;
  });
  defs.push({ name: 'head.w', shape: [width, outputs], init: 'linear' }, { name: 'head.b', shape: [outputs], init: 'linear', fanIn: width });
  return defs;
}

/** LayerNorm `${prefix}.gain` (ones) and `${prefix}.bias` (zeros), `[d]`. */
function normDefs(prefix: string, d: number): ParamDef[] {
  return [
    { name: `${prefix}.gain`, shape: [d], init: 'ones' },
    { name: `${prefix}.bias`, shape: [d], init: 'zeros' },
  ];
}

/** Feed-forward `${p}.ff.w1 [d, dFf]` (He: it feeds the nonlinearity), `ff.b1`, `ff.w2 [dFf, d]` (Glorot), `ff.b2`. */
function feedForwardDefs(p: string, d: number, dFf: number): ParamDef[] {
  return [
    { name: `${p}.ff.w1`, shape: [d, dFf], init: 'he' },
    { name: `${p}.ff.b1`, shape: [dFf], init: 'zeros' },
    { name: `${p}.ff.w2`, shape: [dFf, d], init: 'glorot' },
    { name: `${p}.ff.b2`, shape: [d], init: 'zeros' },
  ];
}

function transformerDefs(model: ModelConfig, outputs: number): ParamDef[] {
  const { dModel: d, dFf, heads, layers, maxLength } = model;
  if (d % heads !== 0) throw new ShapeError(`model.dModel ${d} is not divisible by model.heads ${heads}`);
  const defs: ParamDef[] = [
    { name: 'embed.token', shape: [textTokenizerFor(model).vocabSize, d], init: 'embedding' },
    { name: 'embed.position', shape: [maxLength, d], init: 'embedding' },
  ];
  for (let i = 0; i < layers; i++) {
    const p = `layer${i}`;
    defs.push(
      ...normDefs(`${p}.ln1`, d),
      ...['q', 'k', 'v', 'o'].map((m): ParamDef => ({ name: `${p}.attn.w${m}`, shape: [d, d], init: 'glorot' })),
      // No key bias: it adds q·b_k to every score of a query row, which softmax cancels (its gradient is 0).
      ...['q', 'v', 'o'].map((m): ParamDef => ({ name: `${p}.attn.b${m}`, shape: [d], init: 'zeros' })),
      ...normDefs(`${p}.ln2`, d),
      ...feedForwardDefs(p, d, dFf),
    );
    if (model.loraRank > 0) {
      for (const target of LORA_TARGETS) {
        const [fanIn, fanOut] = defs.find((def) => def.name === `${p}.${target}`)!.shape as [number, number];
        const { a, b } = loraNamesOf(`${p}.${target}`);
        defs.push({ name: a, shape: [fanIn, model.loraRank], init: 'linear', fanIn }, { name: b, shape: [model.loraRank, fanOut], init: 'zeros' });
      }
    }
  }
  defs.push(
    ...normDefs('norm', d),
    { name: 'head.w', shape: [d, outputs], init: 'glorot' },
    { name: 'head.b', shape: [outputs], init: 'zeros' },
  );
  return defs;
}

/** `bert.typeVocabSize` when the config omits it (Hugging Face `BertConfig.type_vocab_size`). */
export const BERT_TYPE_VOCAB_SIZE = 2;

/**
 * BERT's parameters (names in the module docs). Initialized as the transformer's (N(0, 1) embeddings, Glorot
 * weights, He for the GELU's input), not BERT's N(0, 0.02): a random bert is a baseline; the real one is imported.
 */
function bertDefs(model: ModelConfig, outputs: number): ParamDef[] {
  const { dModel: d, dFf, heads, layers, maxLength } = model;
  if (d % heads !== 0) throw new ShapeError(`model.dModel ${d} is not divisible by model.heads ${heads}`);
  if (model.vocabSize === undefined) throw new ShapeError('model bert needs model.vocabSize');
  const defs: ParamDef[] = [
    { name: 'embed.token', shape: [model.vocabSize, d], init: 'embedding' },
    { name: 'embed.position', shape: [maxLength, d], init: 'embedding' },
    { name: 'embed.type', shape: [model.typeVocabSize ?? BERT_TYPE_VOCAB_SIZE, d], init: 'embedding' },
    ...normDefs('embed.norm', d),
  ];
  for (let i = 0; i < layers; i++) {
    const p = `layer${i}`;
    defs.push(
      ...['q', 'k', 'v', 'o'].flatMap((m): ParamDef[] => [
        { name: `${p}.attn.w${m}`, shape: [d, d], init: 'glorot' },
        { name: `${p}.attn.b${m}`, shape: [d], init: 'zeros' },
      ]),
      ...normDefs(`${p}.ln1`, d),
      ...feedForwardDefs(p, d, dFf),
      ...normDefs(`${p}.ln2`, d),
    );
  }
  defs.push({ name: 'head.w', shape: [d, outputs], init: 'glorot' }, { name: 'head.b', shape: [outputs], init: 'zeros' });
  return defs;
}
