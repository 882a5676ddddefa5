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
 * read must be F32.
 */
import { readBoundedFile } from '../core/bounded-file';
import { MAX_SAFETENSORS_FILE_BYTES } from '../core/safetensors';
import { paramSet, sizeOfShape, type NamedTensor, type ParamSet } from '../core/param-set';
import type { HfBertConfig } from './hf-config';
import { HfImportError, hfFileRefused } from './hf-errors';

interface HeaderEntry {
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** A safetensors file's header entries and its data section. */
interface SafetensorsView {
  readonly entries: ReadonlyMap<string, HeaderEntry>;
  readonly data: Uint8Array;
}

/**
 * Reads `file` whole, at most {@link MAX_SAFETENSORS_FILE_BYTES} (2 GiB), and its header (format: 8-byte
 * little-endian length, JSON header, data).
 * @throws HfImportError naming the file when it cannot be read, is not a regular file (a directory, a device such as
 *   /dev/zero), is larger than the limit, is truncated, or its header is not JSON or has a malformed entry (naming
 *   the tensor).
 */
function readView(file: string): SafetensorsView {
  const bytes = readBoundedFile(file, MAX_SAFETENSORS_FILE_BYTES, hfFileRefused('import-hf reads a BERT of at most 2 GiB in F32 (MAX_SAFETENSORS_FILE_BYTES), e.g. BERT-large (1.34 GB); take a smaller one'));
  if (bytes.length < 8) throw new HfImportError(`${file}: truncated (${bytes.length} bytes, fewer than the 8-byte header length)`);
  const length = bytes.readBigUInt64LE(0);
  if (length > BigInt(bytes.length - 8)) throw new HfImportError(`${file}: header length ${length} runs beyond the file (${bytes.length} bytes); not a safetensors file`);
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + Number(length)));
  } catch (err) {
    throw new HfImportError(`${file}: header is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new HfImportError(`${file}: header is not a JSON object`);
  const data = bytes.subarray(8 + Number(length));
  const entries = new Map<string, HeaderEntry>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const ok =
      typeof e?.dtype === 'string' &&
      Array.isArray(e.shape) && e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      Array.isArray(e.data_offsets) && e.data_offsets.length === 2 && e.data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0);
    if (!ok) throw new HfImportError(`${file}: tensor ${name}: header entry needs dtype, shape and data_offsets, got ${JSON.stringify(raw).slice(0, 200)}`);
    const [begin, end] = e.data_offsets as [number, number];
    entries.set(name, { dtype: e.dtype as string, shape: e.shape as number[], begin, end });
  }
  return { entries, data };
}

/**
 * The F32 tensor `name` of `view`, checked against `shape`, row-major.
 * @throws HfImportError naming the file and the tensor when it is missing, not F32, of another shape, or its
 *   offsets do not fit the data.
 */
function tensorOf(file: string, view: SafetensorsView, names: readonly string[], shape: readonly number[]): Float32Array {
  const name = names.find((n) => view.entries.has(n));
  if (name === undefined) throw new HfImportError(`${file}: tensor ${names[0]} is missing${names.length > 1 ? ` (also looked for ${names.slice(1).join(', ')})` : ''}`);
  const e = view.entries.get(name)!;
  if (e.dtype !== 'F32') throw new HfImportError(`${file}: tensor ${name} has dtype ${e.dtype}; import-hf reads F32 only (save the model with torch_dtype float32)`);
  if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
    throw new HfImportError(`${file}: tensor ${name} has shape [${e.shape.join(', ')}], but config.json implies [${shape.join(', ')}]`);
  }
  const count = sizeOfShape(shape);
  if (e.end - e.begin !== 4 * count || e.end > view.data.length) {
    throw new HfImportError(`${file}: tensor ${name}: data_offsets [${e.begin}, ${e.end}] do not hold ${count} F32 values within the ${view.data.length} data bytes`);
  }
  const out = new Float32Array(count);
  const dv = new DataView(view.data.buffer, view.data.byteOffset + e.begin, 4 * count);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
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
  const view = readView(file);
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
