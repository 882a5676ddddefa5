/**
 * The compressed checkpoint: one self-describing safetensors file, `model.safetensors` (format documented in
 * docs/compression.md). Pruned int8 weights are stored sparsely — a bitmap of non-zero codes plus the non-zero
 * codes only — with one float32 scale per channel; the float tensors (head, biases, LayerNorm, Meta-SGD rates) as
 * F32. `__metadata__` holds the student's model config, outputs, adaptation settings and provenance, so
 * `loadCompressedModel` returns everything `metatrain adapt` needs: a ParamSet and a model config.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { RunConfig } from '../core/config';
import { CheckpointError } from '../core/errors';
import { paramSet, type NamedTensor, type ParamSet } from '../core/param-set';
import type { ModelConfig } from '../model/architecture';
import { dequantize, type QuantizedTensor } from './quantize';
import { decodeTypedSafetensors, encodeTypedSafetensors, type TypedTensor } from './typed-safetensors';

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
  /** How to adapt it: the teacher run's algorithm name, adapted subset and inner rate. */
  readonly algorithm: Pick<RunConfig['algorithm'], 'name' | 'adapt' | 'innerLr'>;
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

/** Serializes a compressed model (sparse int8 storage). */
export function encodeCompressedModel(c: CompressedModel): Buffer {
  const tensors = new Map<string, TypedTensor>();
  for (const [name, t] of c.float) tensors.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
  const layout: Record<string, { shape: readonly number[]; axis: number }> = {};
  for (const [name, q] of c.quantized) {
    const bitmap = new Uint8Array(Math.ceil(q.values.length / 8));
    const codes: number[] = [];
    q.values.forEach((v, i) => {
      if (v !== 0) {
        bitmap[i >> 3]! |= 1 << (i & 7);
        codes.push(v);
      }
    });
    tensors.set(`${name}.nonzero`, { dtype: 'U8', shape: [bitmap.length], data: bitmap });
    tensors.set(`${name}.codes`, { dtype: 'I8', shape: [codes.length], data: Int8Array.from(codes) });
    tensors.set(`${name}.scales`, { dtype: 'F32', shape: [q.scales.length], data: q.scales });
    layout[name] = { shape: q.shape, axis: q.axis };
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

/**
 * Parses a compressed model file.
 * @throws CheckpointError naming `source` when the file is not a compressed model of this format version, its
 *   metadata is missing or malformed, or a quantized tensor's parts are missing or inconsistent.
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
  const layout = json<Record<string, { shape: [number, number]; axis: 0 | 1 }>>('quantized');
  const quantized = new Map<string, QuantizedTensor>();
  const used = new Set<string>();
  for (const [name, { shape, axis }] of Object.entries(layout)) {
    const part = (suffix: string, dtype: string): TypedTensor => {
      const t = tensors.get(`${name}.${suffix}`);
      if (!t || t.dtype !== dtype) fail(`quantized tensor ${name}: missing ${dtype} part ${name}.${suffix}`);
      used.add(`${name}.${suffix}`);
      return t!;
    };
    const [bitmap, codes, scales] = [part('nonzero', 'U8'), part('codes', 'I8'), part('scales', 'F32')];
    const n = shape[0] * shape[1];
    if (bitmap.data.length !== Math.ceil(n / 8)) fail(`quantized tensor ${name}: bitmap of ${bitmap.data.length} bytes for ${n} values`);
    if (scales.data.length !== shape[axis]) fail(`quantized tensor ${name}: ${scales.data.length} scales for ${shape[axis]} channels on axis ${axis}`);
    const values = new Int8Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (bitmap.data[i >> 3]! & (1 << (i & 7))) {
        if (k >= codes.data.length) fail(`quantized tensor ${name}: bitmap marks more non-zeros than the ${codes.data.length} codes`);
        values[i] = codes.data[k++]!;
      }
    }
    if (k !== codes.data.length) fail(`quantized tensor ${name}: ${codes.data.length} codes but the bitmap marks ${k}`);
    quantized.set(name, { shape, axis, values, scales: scales.data as Float32Array });
  }
  const float: Array<[string, NamedTensor]> = [];
  for (const [name, t] of tensors) {
    if (used.has(name)) continue;
    if (t.dtype !== 'F32') fail(`tensor ${name} is ${t.dtype} but not part of a quantized tensor`);
    float.push([name, { shape: t.shape, data: t.data as Float32Array }]);
  }
  const outputs = Number(metadata.outputs);
  if (!Number.isInteger(outputs) || outputs <= 0) fail(`metadata outputs ${JSON.stringify(metadata.outputs)} is not a positive integer`);
  return { model: json('model'), outputs, algorithm: json('algorithm'), float: paramSet(float), quantized, source: json('source') };
}

/**
 * Reads a compressed model from a compression output directory (its `model.safetensors`) or from the file itself.
 * Example: `const c = await loadCompressedModel('runs/demo/compressed'); const model = createModel(c.model, c.outputs);
 * adaptParams(model, dequantizedParams(c), support, { steps: 10, algorithm: c.algorithm })`.
 * @throws CheckpointError when the path cannot be read or is not a valid compressed model.
 */
export async function loadCompressedModel(path: string): Promise<CompressedModel> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, COMPRESSED_MODEL_FILE);
    return decodeCompressedModel(await readFile(file), file);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`compressed model ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}
