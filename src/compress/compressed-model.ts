/**
 * The compressed checkpoint: one self-describing safetensors file, `model.safetensors` (format documented in
 * docs/compression.md). Pruned int8 weights are stored sparsely — a bitmap of non-zero codes plus the non-zero
 * codes only — with one float32 scale per channel, all int8 weights concatenated into three tensors; the float tensors (head, biases, LayerNorm, Meta-SGD rates) as
 * F32. `__metadata__` holds the student's model config, outputs, adaptation settings and provenance, so
 * `loadCompressedModel` returns everything `metatrain adapt` needs: a ParamSet and a model config.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readBoundedFile } from '../core/bounded-file';
import type { RunConfig } from '../core/config';
import { CheckpointError, FileReadError } from '../core/errors';
import { digestMismatch } from '../core/file-digest';
import { paramSet, type NamedTensor, type ParamSet } from '../core/param-set';
import type { ModelConfig } from '../model/architecture';
import { readReportText, REPORT_FILE } from './compression-report';
import { dequantize, type QuantizedTensor } from './quantize';
import { decodeTypedSafetensors, encodeTypedSafetensors, MAX_SAFETENSORS_FILE_BYTES, type TypedTensor } from '../core/safetensors';

/** `format` metadata value of a compressed model file. */
export const COMPRESSED_FORMAT = 'metatrain-compressed-model';
/** `formatVersion` written and read. */
export const COMPRESSED_FORMAT_VERSION = '1';
/** File name of the compressed checkpoint in a compression output directory. */
export const COMPRESSED_MODEL_FILE = 'model.safetensors';

/** A compressed model in memory. */
export interface CompressedModel {
  /** The student's architecture (`createModel(model, outputs)` builds it). */
  readonly model: ModelConfig;
  readonly outputs: number;
  /** How to adapt it: the teacher run's algorithm name, adapted subset, inner rate and head start (absent in files written before `headInit` existed: learned). */
  readonly algorithm: Pick<RunConfig['algorithm'], 'name' | 'adapt' | 'innerLr'> & Partial<Pick<RunConfig['algorithm'], 'headInit'>>;
  /** Float32 tensors: the head (always), biases, LayerNorm, Meta-SGD rates `lr/…`. */
  readonly float: ParamSet;
  /** Pruned, int8-quantized 2-D weights. */
  readonly quantized: ReadonlyMap<string, QuantizedTensor>;
  /** Where it came from: run, checkpoint directory and step, teacher config hash. */
  readonly source: { readonly run: string; readonly checkpoint: string; readonly step: number; readonly configHash: string };
}

/** Every parameter as float32 (int8 weights dequantized): what the TypeScript model and adaptation use. */
export function dequantizedParams(c: CompressedModel): ParamSet {
  return paramSet([...c.float, ...[...c.quantized].map(([n, q]) => [n, dequantize(q)] as const)]);
}

/** Names of the three tensors holding every int8 weight, concatenated in sorted-name order. */
export const INT8_PARTS = { nonzero: 'int8.nonzero', codes: 'int8.codes', scales: 'int8.scales' } as const;

/** Where one int8 weight lies in the concatenated parts: [begin, end) element ranges. */
interface Int8Layout {
  readonly shape: [number, number];
  readonly axis: 0 | 1;
  readonly nonzero: [number, number];
  readonly codes: [number, number];
  readonly scales: [number, number];
}

/**
 * Serializes a compressed model. Int8 weights are stored sparsely and concatenated (one header entry for all of
 * them instead of three each, which matters for small models): {@link INT8_PARTS}.nonzero U8 (per weight, a
 * bitmap of its non-zero codes, ⌈n/8⌉ bytes), .codes I8 (its non-zero codes, row-major), .scales F32 (its
 * per-channel scales); each weight's ranges and shape are in the `quantized` metadata.
 */
export function encodeCompressedModel(c: CompressedModel): Buffer {
  const tensors = new Map<string, TypedTensor>();
  for (const [name, t] of c.float) tensors.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
  const layout: Record<string, Int8Layout> = {};
  const bitmaps: number[] = [];
  const codes: number[] = [];
  const scales: number[] = [];
  for (const name of [...c.quantized.keys()].sort()) {
    const q = c.quantized.get(name)!;
    const at = { nonzero: bitmaps.length, codes: codes.length, scales: scales.length };
    const bitmap = new Uint8Array(Math.ceil(q.values.length / 8));
    q.values.forEach((v, i) => {
      if (v !== 0) {
        bitmap[i >> 3]! |= 1 << (i & 7);
        codes.push(v);
      }
    });
    // Not push(...): the bitmap of a weight over about a million values would overflow the call stack.
    for (const b of bitmap) bitmaps.push(b);
    for (const s of q.scales) scales.push(s);
    layout[name] = {
      shape: [q.shape[0], q.shape[1]],
      axis: q.axis,
      nonzero: [at.nonzero, bitmaps.length],
      codes: [at.codes, codes.length],
      scales: [at.scales, scales.length],
    };
  }
  if (c.quantized.size > 0) {
    tensors.set(INT8_PARTS.nonzero, { dtype: 'U8', shape: [bitmaps.length], data: Uint8Array.from(bitmaps) });
    tensors.set(INT8_PARTS.codes, { dtype: 'I8', shape: [codes.length], data: Int8Array.from(codes) });
    tensors.set(INT8_PARTS.scales, { dtype: 'F32', shape: [scales.length], data: Float32Array.from(scales) });
  }
  return encodeTypedSafetensors(tensors, {
    format: COMPRESSED_FORMAT,
    formatVersion: COMPRESSED_FORMAT_VERSION,
    model: JSON.stringify(c.model),
    outputs: String(c.outputs),
    algorithm: JSON.stringify(c.algorithm),
    quantized: JSON.stringify(layout),
    source: JSON.stringify(c.source),
  });
}

/** Throws naming `what` when `data` holds a NaN or ±Infinity (e.g. bytes of the file overwritten). */
function assertFinite(data: Float32Array, what: string, fail: (detail: string) => never): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) fail(`${what} holds a non-finite value (${v} at index ${i}); the file is corrupt`);
  }
}

/**
 * Parses a compressed model file.
 * @throws CheckpointError naming `source` when the file is not a compressed model of this format version, its
 *   metadata is missing or malformed, an int8 weight's ranges or parts are missing or inconsistent, or a float
 *   tensor or int8 scale holds NaN or ±Infinity (the error names the tensor).
 */
export function decodeCompressedModel(bytes: Uint8Array, source: string): CompressedModel {
  const { tensors, metadata } = decodeTypedSafetensors(bytes, source);
  const fail = (detail: string): never => {
    throw new CheckpointError(`${source}: ${detail}`);
  };
  if (metadata.format !== COMPRESSED_FORMAT) fail(`not a compressed model (format ${JSON.stringify(metadata.format)}, expected ${COMPRESSED_FORMAT})`);
  if (metadata.formatVersion !== COMPRESSED_FORMAT_VERSION) fail(`format version ${metadata.formatVersion}, this metatrain reads ${COMPRESSED_FORMAT_VERSION}`);
  const json = <T>(key: string): T => {
    try {
      return JSON.parse(metadata[key] ?? '') as T;
    } catch {
      return fail(`metadata ${key} is missing or not JSON`);
    }
  };
  const layout = json<Record<string, Int8Layout>>('quantized');
  const quantized = new Map<string, QuantizedTensor>();
  if (Object.keys(layout).length > 0) {
    const part = (key: keyof typeof INT8_PARTS, dtype: string): TypedTensor => {
      const t = tensors.get(INT8_PARTS[key]);
      if (!t || t.dtype !== dtype) fail(`missing ${dtype} tensor ${INT8_PARTS[key]}`);
      return t!;
    };
    const parts = { nonzero: part('nonzero', 'U8').data, codes: part('codes', 'I8').data, scales: part('scales', 'F32').data as Float32Array };
    for (const [name, l] of Object.entries(layout)) {
      const n = l.shape[0] * l.shape[1];
      for (const key of ['nonzero', 'codes', 'scales'] as const) {
        const [b, e] = l[key];
        if (!(Number.isSafeInteger(b) && Number.isSafeInteger(e) && 0 <= b && b <= e && e <= parts[key].length)) fail(`int8 weight ${name}: ${key} range [${b}, ${e}) outside ${INT8_PARTS[key]} (${parts[key].length})`);
      }
      if (l.nonzero[1] - l.nonzero[0] !== Math.ceil(n / 8)) fail(`int8 weight ${name}: bitmap of ${l.nonzero[1] - l.nonzero[0]} bytes for ${n} values`);
      if (l.scales[1] - l.scales[0] !== l.shape[l.axis]) fail(`int8 weight ${name}: ${l.scales[1] - l.scales[0]} scales for ${l.shape[l.axis]} channels on axis ${l.axis}`);
      const values = new Int8Array(n);
      let k = l.codes[0];
      for (let i = 0; i < n; i++) {
        if (parts.nonzero[l.nonzero[0] + (i >> 3)]! & (1 << (i & 7))) {
          if (k >= l.codes[1]) fail(`int8 weight ${name}: bitmap marks more non-zeros than its ${l.codes[1] - l.codes[0]} codes`);
          values[i] = parts.codes[k++]!;
        }
      }
      if (k !== l.codes[1]) fail(`int8 weight ${name}: ${l.codes[1] - l.codes[0]} codes but the bitmap marks ${k - l.codes[0]}`);
      const scales = parts.scales.slice(l.scales[0], l.scales[1]);
      assertFinite(scales, `int8 weight ${name}: scales (${INT8_PARTS.scales})`, fail);
      quantized.set(name, { shape: l.shape, axis: l.axis, values, scales });
    }
  }
  const float: Array<[string, NamedTensor]> = [];
  for (const [name, t] of tensors) {
    if ((Object.values(INT8_PARTS) as string[]).includes(name)) continue;
    if (t.dtype !== 'F32') fail(`tensor ${name} is ${t.dtype}; only the ${Object.values(INT8_PARTS).join(', ')} parts may be integer`);
    assertFinite(t.data as Float32Array, `tensor ${name}`, fail);
    float.push([name, { shape: t.shape, data: t.data as Float32Array }]);
  }
  const outputs = Number(metadata.outputs);
  if (!Number.isInteger(outputs) || outputs <= 0) fail(`metadata outputs ${JSON.stringify(metadata.outputs)} is not a positive integer`);
  return { model: json('model'), outputs, algorithm: json('algorithm'), float: paramSet(float), quantized, source: json('source') };
}

/**
 * Checks `bytes` (the contents of `file`) against the size and sha256 that the `compression.json` beside it records
 * for it. Nothing is checked when there is no report beside the file or it does not list the file (a
 * `model.safetensors` written without a compression job, e.g. by `encodeCompressedModel` alone).
 * @throws CheckpointError naming `file` when its size or sha256 differs from the report's, or the report is unreadable,
 *   not a regular file or larger than MAX_REPORT_BYTES.
 */
function verifyAgainstReport(file: string, bytes: Uint8Array): void {
  const reportPath = join(dirname(file), REPORT_FILE);
  let text: string | undefined;
  try {
    text = readReportText(dirname(file));
  } catch (e) {
    throw new CheckpointError(`compressed model ${file}: cannot use ${(e as FileReadError).message}`, { cause: e });
  }
  if (text === undefined) return;
  let entry: { bytes?: unknown; sha256?: unknown } | undefined;
  try {
    const report = JSON.parse(text) as { files?: Record<string, { bytes?: unknown; sha256?: unknown }> };
    entry = report.files?.[basename(file)];
  } catch (e) {
    throw new CheckpointError(`compressed model ${file}: ${reportPath} is not JSON`, { cause: e });
  }
  if (entry === undefined) return;
  if (typeof entry.bytes !== 'number' || typeof entry.sha256 !== 'string') {
    throw new CheckpointError(`compressed model ${file}: ${REPORT_FILE} records no size and sha256 for ${basename(file)}`);
  }
  const mismatch = digestMismatch(basename(file), bytes, { bytes: entry.bytes, sha256: entry.sha256 }, REPORT_FILE);
  if (mismatch) throw new CheckpointError(`compressed model ${file}: ${mismatch}`);
}

/**
 * Reads a compressed model from a compression output directory (its `model.safetensors`) or from the file itself.
 * When a `compression.json` beside the file lists it, the file's size and sha256 are verified first.
 * Example: `const c = await loadCompressedModel('runs/demo/compressed'); const model = createModel(c.model, c.outputs);
 * adaptParams(model, dequantizedParams(c), support, { steps: 10, algorithm: c.algorithm })`.
 * The file is read whole, at most MAX_SAFETENSORS_FILE_BYTES (2 GiB).
 * @throws CheckpointError when the path cannot be read, is not a regular file or a pipe (a device such as
 *   /dev/zero), is larger than the limit, fails its size or sha256 check against `compression.json`,
 *   or is not a valid compressed model (including NaN or ±Infinity weights).
 */
export async function loadCompressedModel(path: string): Promise<CompressedModel> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, COMPRESSED_MODEL_FILE);
    const bytes = readBoundedFile(file, MAX_SAFETENSORS_FILE_BYTES, (err) => new CheckpointError(`compressed model ${err.message}${err.reason === 'unreadable' ? '' : ': not a model metatrain compress wrote'}`, { cause: err }));
    verifyAgainstReport(file, bytes);
    return decodeCompressedModel(bytes, file);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`compressed model ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}
