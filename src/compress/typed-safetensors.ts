/**
 * Safetensors files holding int8 and uint8 tensors beside float32 ones, for compressed models. Same layout as
 * src/core/safetensors.ts (https://huggingface.co/docs/safetensors: 8-byte little-endian header length, JSON
 * header with `dtype`, `shape`, `data_offsets` per tensor and an optional `__metadata__` string map, then the
 * little-endian data, tensors tiling it in sorted-name order, header space-padded to 8 bytes). The core codec
 * reads F32 only, on purpose: training checkpoints must never silently load integer data.
 */
import { CheckpointError, ShapeError } from '../core/errors';
import { MAX_HEADER_BYTES } from '../core/safetensors';

/** The dtypes written and read here. */
export type TypedDtype = 'F32' | 'I8' | 'U8';

/** One tensor of any {@link TypedDtype}; `data.length` is the product of `shape`. */
export interface TypedTensor {
  readonly dtype: TypedDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int8Array | Uint8Array;
}

const BYTES: Record<TypedDtype, number> = { F32: 4, I8: 1, U8: 1 };
const ARRAY_OF: Record<TypedDtype, new (n: number) => Float32Array | Int8Array | Uint8Array> = { F32: Float32Array, I8: Int8Array, U8: Uint8Array };

function bytesOf(t: TypedTensor): Uint8Array {
  const out = new Uint8Array(t.data.byteLength);
  out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  if (t.dtype === 'F32') {
    const view = new DataView(out.buffer);
    for (let i = 0; i < t.data.length; i++) view.setFloat32(4 * i, t.data[i]!, true);
  }
  return out;
}

/**
 * Serializes tensors (sorted by name) and metadata.
 * @throws ShapeError when a data length differs from the product of its shape, or the dtype does not match the array.
 */
export function encodeTypedSafetensors(tensors: ReadonlyMap<string, TypedTensor>, metadata: Readonly<Record<string, string>>): Buffer {
  const names = [...tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: { ...metadata } } : {};
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new ShapeError(`safetensors: tensor ${name} has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    if (!(t.data instanceof ARRAY_OF[t.dtype])) throw new ShapeError(`safetensors: tensor ${name} is declared ${t.dtype} but holds a ${t.data.constructor.name}`);
    const bytes = bytesOf(t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + headerBytes + offset, 0x20);
  out.writeBigUInt64LE(BigInt(headerBytes), 0);
  json.copy(out, 8);
  let at = 8 + headerBytes;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parses and validates a file written by {@link encodeTypedSafetensors} (or any safetensors file of F32/I8/U8).
 * @throws CheckpointError naming `source` and the defect (truncation, bad header, unsupported dtype, offsets that
 *   do not tile the data exactly, shape × dtype size ≠ byte length).
 */
export function decodeTypedSafetensors(bytes: Uint8Array, source: string): { tensors: Map<string, TypedTensor>; metadata: Record<string, string> } {
  const fail = (detail: string): never => {
    throw new CheckpointError(`${source}: ${detail}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES || n > bytes.length - 8) fail(`header length ${n} exceeds the file or the ${MAX_HEADER_BYTES}-byte limit; truncated or corrupt`);
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    fail(`header is not UTF-8 JSON (${(e as Error).message})`);
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  if (typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) fail('__metadata__ is not a string map');
  const dataStart = 8 + n;
  const entries = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, raw]) => {
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (e.dtype !== 'F32' && e.dtype !== 'I8' && e.dtype !== 'U8') fail(`tensor ${name}: unsupported dtype ${JSON.stringify(e.dtype)} (F32, I8, U8 are read)`);
      const shape = e.shape as number[];
      const offsets = e.data_offsets as [number, number];
      if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`tensor ${name}: bad shape ${JSON.stringify(shape)}`);
      if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) fail(`tensor ${name}: bad data_offsets`);
      const dtype = e.dtype as TypedDtype;
      const count = shape.reduce((a, b) => a * b, 1);
      if (offsets[1] - offsets[0] !== count * BYTES[dtype]) fail(`tensor ${name}: shape [${shape.join(', ')}] of ${dtype} needs ${count * BYTES[dtype]} bytes, data_offsets span ${offsets[1] - offsets[0]}`);
      return { name, dtype, shape, begin: offsets[0], end: offsets[1], count };
    })
    .sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin !== cursor) fail(`tensor ${e.name}: data_offsets start at ${e.begin}, expected ${cursor} (overlap or hole)`);
    cursor = e.end;
  }
  if (cursor !== bytes.length - dataStart) fail(`tensors cover ${cursor} data bytes but the file holds ${bytes.length - dataStart}; truncated or trailing bytes`);
  const tensors = new Map<string, TypedTensor>();
  for (const e of entries) {
    const data = new ARRAY_OF[e.dtype](e.count);
    const src = new DataView(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin);
    for (let i = 0; i < e.count; i++) data[i] = e.dtype === 'F32' ? src.getFloat32(4 * i, true) : e.dtype === 'I8' ? src.getInt8(i) : src.getUint8(i);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
