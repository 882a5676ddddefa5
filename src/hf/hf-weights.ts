/**
 * The tensors of a Hugging Face BERT `model.safetensors`, mapped to the parameter names of model kind `bert`
 * (src/model/architecture.ts):
 *
 * | Hugging Face (with or without the `bert.` prefix)          | metatrain                  |
 * |-------------------------------------------------------------|----------------------------|
 * | `embeddings.word_embeddings.weight` [V, d]                  | `embed.token`              |
 * | `embeddings.position_embeddings.weight` [P, d]              | `embed.position` (first maxLength rows) |
 * | `embeddings.token_type_embeddings.weight` [T, d]            | `embed.type`               |
 * | `embeddings.LayerNorm.weight` / `.bias`                     | `embed.norm.gain` / `.bias` |
 * | `encoder.layer.{i}.attention.self.query` / `key` / `value`  | `layer{i}.attn.wq|bq`, `wk|bk`, `wv|bv` |
 * | `encoder.layer.{i}.attention.output.dense`                  | `layer{i}.attn.wo|bo`      |
 * | `encoder.layer.{i}.attention.output.LayerNorm`              | `layer{i}.ln1.gain|bias`   |
 * | `encoder.layer.{i}.intermediate.dense`                      | `layer{i}.ff.w1|b1`        |
 * | `encoder.layer.{i}.output.dense`                            | `layer{i}.ff.w2|b2`        |
 * | `encoder.layer.{i}.output.LayerNorm`                        | `layer{i}.ln2.gain|bias`   |
 *
 * Linear weights are transposed (PyTorch's `nn.Linear` stores [out, in]; metatrain multiplies x·W with W
 * [in, out]). LayerNorm `gamma` / `beta` (checkpoints converted from TensorFlow) are read as `weight` / `bias`.
 * Other tensors (pooler, MLM and NSP heads, `position_ids` buffers) are ignored, whatever their dtype. The tensors
 * read must be F32 and finite.
 */
import { readBoundedFile } from '../core/bounded-file';
import { MAX_SAFETENSORS_FILE_BYTES } from '../core/safetensors';
import { parseSafetensorsLayout, type SafetensorsLayout } from '../core/safetensors-layout';
import { paramSet, sizeOfShape, type NamedTensor, type ParamSet } from '../core/param-set';
import type { HfBertConfig } from './hf-config';
import { HfImportError, hfFileRefused } from './hf-errors';

/**
 * Reads `file` whole, at most {@link MAX_SAFETENSORS_FILE_BYTES} (2 GiB), and checks its frame and header as the
 * format's spec says (src/core/safetensors-layout.ts; tensors of any dtype, read or not).
 * @throws HfImportError naming the file when it cannot be read, is not a regular file (a directory, a device such as
 *   /dev/zero), is larger than the limit, or is not a valid safetensors file (the defect, and the tensor when one is
 *   at fault), the CheckpointError as its cause.
 */
function readLayout(file: string): SafetensorsLayout {
  const bytes = readBoundedFile(file, MAX_SAFETENSORS_FILE_BYTES, hfFileRefused('import-hf reads a BERT of at most 2 GiB in F32 (MAX_SAFETENSORS_FILE_BYTES), e.g. BERT-large (1.34 GB); take a smaller one'));
  try {
    return parseSafetensorsLayout(bytes, file);
  } catch (err) {
    throw new HfImportError((err as Error).message, { cause: err });
  }
}

/** `[d0, d1, …]`, the position of row-major element `flat` in a tensor of `shape`. */
function positionOf(flat: number, shape: readonly number[]): number[] {
  const at: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    at.unshift(flat % shape[i]!);
    flat = Math.floor(flat / shape[i]!);
  }
  return at;
}

/**
 * The F32 tensor `name` of `layout`, checked against `shape`, row-major.
 * @throws HfImportError naming the file and the tensor when it is missing, not F32, of another shape, or holds a
 *   value that is not finite (NaN, ±Infinity; naming its flat index and position).
 */
function tensorOf(file: string, layout: SafetensorsLayout, names: readonly string[], shape: readonly number[]): Float32Array {
  const name = names.find((n) => layout.entries.has(n));
  if (name === undefined) throw new HfImportError(`${file}: tensor ${names[0]} is missing${names.length > 1 ? ` (also looked for ${names.slice(1).join(', ')})` : ''}`);
  const e = layout.entries.get(name)!;
  if (e.dtype !== 'F32') throw new HfImportError(`${file}: tensor ${name} has dtype ${e.dtype}; import-hf reads F32 only (save the model with torch_dtype float32)`);
  if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
    throw new HfImportError(`${file}: tensor ${name} has shape [${e.shape.join(', ')}], but config.json implies [${shape.join(', ')}]`);
  }
  const count = sizeOfShape(shape);
  const out = new Float32Array(count);
  const dv = new DataView(layout.data.buffer, layout.data.byteOffset + e.begin, 4 * count);
  for (let i = 0; i < count; i++) {
    const v = dv.getFloat32(4 * i, true);
    if (!Number.isFinite(v)) {
      throw new HfImportError(`${file}: tensor ${name} holds ${v} at index ${i} ([${positionOf(i, shape).join(', ')}]); a model with weights that are not finite cannot be trained (a corrupt file, or a model that diverged)`);
    }
    out[i] = v;
  }
  return out;
}

/** `[rows, cols]` row-major `w` transposed to `[cols, rows]`. */
function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

/**
 * The body parameters of model kind `bert` (every parameter but `head.*`) read from `file` for `config` and
 * `maxLength` (≤ `max_position_embeddings`).
 * @throws HfImportError naming the file and the tensor (see the module docs for what is read).
 */
export function readHfBertWeights(file: string, config: HfBertConfig, maxLength: number): ParamSet {
  const view = readLayout(file);
  const prefix = view.entries.has('bert.embeddings.word_embeddings.weight') ? 'bert.' : '';
  const d = config.hidden_size;
  const ff = config.intermediate_size;
  const out: Array<[string, NamedTensor]> = [];
  const read = (hf: string, shape: readonly number[]) => tensorOf(file, view, [prefix + hf], shape);
  const copy = (name: string, hf: string, shape: readonly number[]) => out.push([name, { shape: [...shape], data: read(hf, shape) }]);
  /** A PyTorch Linear `hf` [outDim, inDim] as `w` [inDim, outDim] and `b` [outDim]. */
  const linear = (w: string, b: string, hf: string, inDim: number, outDim: number) => {
    out.push([w, { shape: [inDim, outDim], data: transposed(read(`${hf}.weight`, [outDim, inDim]), outDim, inDim) }]);
    copy(b, `${hf}.bias`, [outDim]);
  };
  const norm = (name: string, hf: string) => {
    out.push([`${name}.gain`, { shape: [d], data: tensorOf(file, view, [`${prefix}${hf}.weight`, `${prefix}${hf}.gamma`], [d]) }]);
    out.push([`${name}.bias`, { shape: [d], data: tensorOf(file, view, [`${prefix}${hf}.bias`, `${prefix}${hf}.beta`], [d]) }]);
  };
  copy('embed.token', 'embeddings.word_embeddings.weight', [config.vocab_size, d]);
  const positions = read('embeddings.position_embeddings.weight', [config.max_position_embeddings, d]);
  out.push(['embed.position', { shape: [maxLength, d], data: positions.slice(0, maxLength * d) }]);
  copy('embed.type', 'embeddings.token_type_embeddings.weight', [config.type_vocab_size, d]);
  norm('embed.norm', 'embeddings.LayerNorm');
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `layer${i}`;
    const hf = `encoder.layer.${i}`;
    for (const [m, part] of [['q', 'query'], ['k', 'key'], ['v', 'value']] as const) linear(`${p}.attn.w${m}`, `${p}.attn.b${m}`, `${hf}.attention.self.${part}`, d, d);
    linear(`${p}.attn.wo`, `${p}.attn.bo`, `${hf}.attention.output.dense`, d, d);
    norm(`${p}.ln1`, `${hf}.attention.output.LayerNorm`);
    linear(`${p}.ff.w1`, `${p}.ff.b1`, `${hf}.intermediate.dense`, d, ff);
    linear(`${p}.ff.w2`, `${p}.ff.b2`, `${hf}.output.dense`, ff, d);
    norm(`${p}.ln2`, `${hf}.output.LayerNorm`);
  }
  return paramSet(out);
}
