/**
 * ONNX export of the functional models (src/model), float32 or with int8 weights behind `DequantizeLinear`
 * (per-channel scales, `axis` = the channel axis; DESIGN.md "Formats"). The graphs compute exactly what
 * `createModel(model, outputs).forward` computes:
 * - `sinusoid-mlp`: input `x` float32 `[N, 1]` → ReLU layers → `y` `[N, outputs]`;
 * - `transformer`: input `input_ids` int32 `[N, L]`, L ≤ maxLength, as `encodeTexts` makes them (PAD = 0) →
 *   token + position embeddings → pre-LN encoder layers (masked multi-head attention, ReLU feed-forward) → final
 *   LayerNorm → mean over non-pad tokens → `logits` `[N, outputs]`.
 * Checked against the TypeScript model with onnxruntime-node (test/compress/onnx-export.test.ts and every
 * compression job, which records the largest difference in compression.json).
 */
import type { ModelConfig } from '../model/architecture';
import { PAD_ID } from '../model/vocab';
import { GraphBuilder, type ExportWeight, type ValueSpec } from './onnx-graph';

/** LayerNorm epsilon of the transformer (src/model/transformer.ts). */
const LAYER_NORM_EPS = 1e-5;
/** Score added to padding keys (src/model/transformer.ts). */
const MASKED_SCORE = -1e9;

/** Input and output names of the exported graphs. */
export const ONNX_IO = {
  'sinusoid-mlp': { input: 'x', output: 'y' },
  transformer: { input: 'input_ids', output: 'logits' },
} as const;

/**
 * Serialized ONNX model of `model` with `outputs` outputs and the given weights (every parameter of the
 * architecture, float or int8).
 * @throws Error naming a missing weight.
 */
export function exportOnnx(model: ModelConfig, outputs: number, weights: ReadonlyMap<string, ExportWeight>): Uint8Array {
  const g = new GraphBuilder(weights);
  if (model.kind === 'bert') throw new Error('ONNX export does not know the bert layout yet (config refuses compression.enabled for bert)');
  const io = ONNX_IO[model.kind];
  const quantized = [...weights.values()].filter((w) => w.kind === 'int8').length;
  const doc = `metatrain ${model.kind}, ${quantized} int8 weight tensors (DequantizeLinear, per-channel scales)`;
  if (model.kind === 'sinusoid-mlp') {
    let h: string = io.input;
    model.hidden.forEach((_, i) => {
      h = g.node('Relu', [g.node('Add', [g.node('MatMul', [h, g.weight(`layer${i}.w`)]), g.weight(`layer${i}.b`)])]);
    });
    g.output(linear(g, h, 'head.w', 'head.b'), io.output);
    return g.model('sinusoid_mlp', [spec(io.input, 'float32', ['N', 1])], [spec(io.output, 'float32', ['N', outputs])], doc);
  }
  g.output(transformerGraph(g, model, io.input), io.output);
  return g.model('transformer_classifier', [spec(io.input, 'int32', ['N', 'L'])], [spec(io.output, 'float32', ['N', outputs])], doc);
}

function spec(name: string, type: ValueSpec['type'], dims: ValueSpec['dims']): ValueSpec {
  return { name, type, dims };
}

/** x · W + b. */
function linear(g: GraphBuilder, x: string, w: string, b?: string): string {
  const y = g.node('MatMul', [x, g.weight(w)]);
  return b && g.has(b) ? g.node('Add', [y, g.weight(b)]) : y;
}

function layerNorm(g: GraphBuilder, x: string, prefix: string): string {
  return g.node('LayerNormalization', [x, g.weight(`${prefix}.gain`), g.weight(`${prefix}.bias`)], { axis: { int: -1 }, epsilon: { float: LAYER_NORM_EPS } });
}

/** Values every attention layer uses: the padding bias on the scores and the head reshapes / score scale. */
interface AttentionConstants {
  keyBias: string;
  split: string;
  merge: string;
  scale: string;
}

function attentionConstants(g: GraphBuilder, mask: string, d: number, heads: number): AttentionConstants {
  const dHead = d / heads;
  return {
    keyBias: g.node('Unsqueeze', [g.node('Mul', [g.node('Sub', [g.floats('one', [], Float32Array.of(1)), mask]), g.floats('masked_score', [], Float32Array.of(MASKED_SCORE))]), g.int64s('axes_1_2', [1, 2])]), // [N, 1, 1, L]
    split: g.int64s('split_heads', [0, 0, heads, dHead]),
    merge: g.int64s('merge_heads', [0, 0, d]),
    scale: g.floats('score_scale', [], Float32Array.of(1 / Math.sqrt(dHead))),
  };
}

function transformerGraph(g: GraphBuilder, model: ModelConfig, ids: string): string {
  const { dModel: d, heads, layers } = model;
  const mask = g.node('Cast', [g.node('Not', [g.node('Equal', [ids, g.int32('pad_id', PAD_ID)])])], { to: { int: 1 } }, 'mask'); // [N, L]
  const length = g.node('Slice', [g.node('Shape', [ids]), g.int64s('one_i64', [1]), g.int64s('two_i64', [2])]); // [1] = L
  const positions = g.node('Slice', [g.weight('embed.position'), g.int64s('zero_i64', [0]), length, g.int64s('axis0', [0])]); // [L, d]
  let h = g.node('Add', [g.node('Gather', [g.weight('embed.token'), ids], { axis: { int: 0 } }), positions]); // [N, L, d]
  // Constants shared by the attention layers, only emitted when there is one (onnxruntime warns about unused ones).
  const shared = layers > 0 ? attentionConstants(g, mask, d, heads) : undefined;
  for (let i = 0; i < layers; i++) {
    const { keyBias, split, merge, scale } = shared!;
    const p = `layer${i}`;
    const x = layerNorm(g, h, `${p}.ln1`);
    const heads4 = (m: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [linear(g, x, `${p}.attn.w${m}`, `${p}.attn.b${m}`), split])], { perm: { ints: perm } });
    const q = heads4('q', [0, 2, 1, 3]); // [N, h, L, dh]
    const kT = heads4('k', [0, 2, 3, 1]); // [N, h, dh, L]
    const v = heads4('v', [0, 2, 1, 3]);
    const scores = g.node('Add', [g.node('Mul', [g.node('MatMul', [q, kT]), scale]), keyBias]); // [N, h, L, L]
    const context = g.node('MatMul', [g.node('Softmax', [scores], { axis: { int: -1 } }), v]);
    const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: { ints: [0, 2, 1, 3] } }), merge]); // [N, L, d]
    h = g.node('Add', [h, linear(g, merged, `${p}.attn.wo`, `${p}.attn.bo`)]);
    const hidden = g.node('Relu', [linear(g, layerNorm(g, h, `${p}.ln2`), `${p}.ff.w1`, `${p}.ff.b1`)]);
    h = g.node('Add', [h, linear(g, hidden, `${p}.ff.w2`, `${p}.ff.b2`)]);
  }
  h = layerNorm(g, h, 'norm');
  const axis1 = g.int64s('axis1', [1]);
  const summed = g.node('ReduceSum', [g.node('Mul', [h, g.node('Unsqueeze', [mask, g.int64s('axis2', [2])])]), axis1], { keepdims: { int: 0 } }); // [N, d]
  const count = g.node('ReduceSum', [mask, axis1], { keepdims: { int: 1 } }); // [N, 1]
  return linear(g, g.node('Div', [summed, count]), 'head.w', 'head.b');
}
