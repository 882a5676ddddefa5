/**
 * The one safetensors codec of metatrain (spec: https://github.com/huggingface/safetensors, format section of its
 * README; also https://huggingface.co/docs/safetensors):
 *
 * ```
 * [8 bytes: N, unsigned little-endian 64-bit] [N bytes: UTF-8 JSON header] [data: little-endian tensor bytes]
 * header = {"__metadata__"?: {string: string}, NAME: {"dtype": "F32" | "I8" | "U8", "shape": [d0, ...], "data_offsets": [b, e]}}
 * ```
 * Offsets are relative to the start of the data and must tile it exactly: no overlap, no hole, no trailing byte
 * (the frame and header are read and checked by src/core/safetensors-layout.ts).
 * The header is padded with spaces so the data starts on an 8-byte boundary.
 *
 * Two layers:
 * - typed: {@link encodeTypedSafetensors} / {@link decodeTypedSafetensors}, tensors of dtype F32, I8 or U8 (the
 *   compressed model, src/compress/compressed-model.ts);
 * - float: {@link encodeSafetensors} / {@link decodeSafetensors}, a `ParamSet` as F32 tensors (checkpoints, adapted
 *   models). Its decoder accepts F32 only, on purpose: training checkpoints must never silently load integer data.
 *
 * Writing is compact JSON, `__metadata__` first (omitted when empty), tensors in sorted-name order (same as byte
 * order for ASCII names) packed back to back, keys in the order dtype, shape, data_offsets. For a single dtype
 * (every F32 file) this matches the reference (Rust) serializer byte for byte; with mixed dtypes the reference
 * orders by dtype first, so its bytes differ from ours while both are valid files.
 */
import { endianness } from 'node:os';
import { ShapeError } from './errors';
import { paramSet, sizeOfShape, type ParamSet, type ParamSpec } from './param-set';
import { METADATA_KEY, parseSafetensorsLayout } from './safetensors-layout';

/**
 * The largest safetensors file metatrain reads whole, in bytes (2 GiB): the weights of an imported BERT
 * (`import-hf`'s model.safetensors; BERT-large in F32 is 1.34 GB), of a model adapted from one, or of a compressed
 * model. A device such as /dev/zero, or a file of another model given by mistake, is refused instead of read until
 * memory runs out; Node holds at most 4 GiB in one Buffer, and decoding copies the tensors once more.
 */
export const MAX_SAFETENSORS_FILE_BYTES = 2 ** 31;

/** The dtypes metatrain writes and reads. */
export type TypedDtype = 'F32' | 'I8' | 'U8';

/** The array type holding each {@link TypedDtype}. */
export type TypedArrayOf<D extends TypedDtype> = { F32: Float32Array; I8: Int8Array; U8: Uint8Array }[D];

/** One tensor of any {@link TypedDtype}: row-major `data` of `dtype`'s array type; `data.length` is the product of `shape`. */
export type TypedTensor = {
  [D in TypedDtype]: { readonly dtype: D; readonly shape: readonly number[]; readonly data: TypedArrayOf<D> };
}[TypedDtype];

/** Element size in bytes and array constructor of each dtype. */
const DTYPES: { readonly [D in TypedDtype]: { readonly bytes: number; readonly array: new (n: number) => TypedArrayOf<D> } } = {
  F32: { bytes: 4, array: Float32Array },
  I8: { bytes: 1, array: Int8Array },
  U8: { bytes: 1, array: Uint8Array },
};

/** Every {@link TypedDtype}: what {@link decodeTypedSafetensors} accepts by default. */
export const TYPED_DTYPES: readonly TypedDtype[] = ['F32', 'I8', 'U8'];

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function isTypedDtype(d: unknown): d is TypedDtype {
  return typeof d === 'string' && Object.hasOwn(DTYPES, d);
}

/** A decoded typed file: its tensors (in sorted-name order) and its `__metadata__` map (empty when absent). */
export interface TypedSafetensorsContent {
  readonly tensors: ReadonlyMap<string, TypedTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A decoded F32 file: its tensors (sorted by name) and its `__metadata__` map (empty when absent). */
export interface SafetensorsContent {
  readonly params: ParamSet;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Copies element bytes between little-endian storage and host order: a plain copy on a little-endian host or for
 * 1-byte elements, else each `width`-byte group reversed. `src` and `dst` have the same length.
 */
function copyLittleEndian(src: Uint8Array, dst: Uint8Array, width: number): void {
  dst.set(src);
  if (LITTLE_ENDIAN_HOST || width === 1) return;
  for (let i = 0; i < dst.length; i += width) dst.subarray(i, i + width).reverse();
}

/** The bytes of an array's view (no copy). */
function bytesOfArray(a: Float32Array | Int8Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Serializes typed tensors to safetensors bytes (https://github.com/huggingface/safetensors format; layout and
 * byte order in the module docstring).
 * @param tensors name → tensor of dtype F32 (`Float32Array`), I8 (`Int8Array`) or U8 (`Uint8Array`); any float32
 *   bit pattern (NaN payloads included) is stored unchanged.
 * @param metadata optional `__metadata__` string map (omitted from the header when empty or absent).
 * @returns the file contents: 8 + N + Σ (element count × dtype size) bytes, N a multiple of 8.
 * @throws ShapeError naming the tensor when it is named `__metadata__`, its dtype is not F32/I8/U8 or does not
 *   match its array type, a dimension is not a non-negative integer, or its data length differs from the product
 *   of its shape.
 */
export function encodeTypedSafetensors(tensors: ReadonlyMap<string, TypedTensor>, metadata?: Readonly<Record<string, string>>): Buffer {
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new ShapeError(`safetensors: a tensor may not be named ${METADATA_KEY}`);
    if (!isTypedDtype(t.dtype)) throw new ShapeError(`safetensors: tensor ${name} has dtype ${JSON.stringify(t.dtype)}; metatrain writes ${TYPED_DTYPES.join(', ')}`);
    const { array } = DTYPES[t.dtype];
    if (!(t.data instanceof array)) {
      throw new ShapeError(`safetensors: tensor ${name} is declared ${t.dtype} but holds a ${(t.data as object).constructor.name}, not a ${array.name}`);
    }
    if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new ShapeError(`safetensors: tensor ${name} has shape [${t.shape.join(', ')}]; dimensions must be non-negative integers`);
    }
    if (t.data.length !== sizeOfShape(t.shape)) {
      throw new ShapeError(`safetensors: tensor ${name} has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
  }
  const { json, headerBytes, dataBytes, offsets } = layoutOf(tensors, metadata);
  const out = Buffer.alloc(8 + headerBytes + dataBytes, 0x20);
  out.writeBigUInt64LE(BigInt(headerBytes), 0);
  json.copy(out, 8);
  const dataStart = 8 + headerBytes;
  for (const [name, [b, e]] of offsets) {
    const t = tensors.get(name) as TypedTensor;
    copyLittleEndian(bytesOfArray(t.data), out.subarray(dataStart + b, dataStart + e), DTYPES[t.dtype].bytes);
  }
  return out;
}

/**
 * Where the tensors of a file go (layout in the module docstring): the JSON header, its padded length and the data
 * length in bytes, and each tensor's data offsets, in sorted-name order. Dtypes and shapes must be valid.
 */
function layoutOf(
  tensors: ReadonlyMap<string, { readonly dtype: TypedDtype; readonly shape: readonly number[] }>,
  metadata?: Readonly<Record<string, string>>,
): { json: Buffer; headerBytes: number; dataBytes: number; offsets: Map<string, [number, number]> } {
  const names = [...tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const name of names) {
    const { dtype, shape } = tensors.get(name)!;
    const end = offset + DTYPES[dtype].bytes * sizeOfShape(shape);
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, end] };
    offsets.set(name, [offset, end]);
    offset = end;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { json, headerBytes: Math.ceil(json.length / 8) * 8, dataBytes: offset, offsets };
}

/**
 * The length in bytes of the file {@link encodeSafetensors} writes for parameters of `spec` (no metadata), without
 * building it: 8 + N + 4·(total element count), N the padded header length. For checking a size before any tensor exists.
 * @param spec parameter name → shape (dimensions non-negative integers).
 */
export function safetensorsBytesOf(spec: ParamSpec): number {
  const { headerBytes, dataBytes } = layoutOf(new Map([...spec].map(([name, shape]) => [name, { dtype: 'F32', shape }] as const)));
  return 8 + headerBytes + dataBytes;
}

/**
 * Serializes `params` (every tensor F32) to safetensors bytes (https://github.com/huggingface/safetensors format):
 * {@link encodeTypedSafetensors} with dtype F32, so the output is byte-identical to the reference serializer's.
 * @param params tensors to write; any float32 bit pattern (NaN payloads included) is stored unchanged.
 * @param metadata optional `__metadata__` string map (omitted from the header when empty or absent).
 * @returns the file contents: 8 + N + 4·(total element count) bytes, N a multiple of 8.
 * @throws ShapeError when a tensor is named `__metadata__`, has a dimension that is not a non-negative integer, or
 *   a data length that differs from the product of its shape.
 */
export function encodeSafetensors(params: ParamSet, metadata?: Readonly<Record<string, string>>): Buffer {
  return encodeTypedSafetensors(new Map([...params].map(([name, t]) => [name, { dtype: 'F32', shape: t.shape, data: t.data }] as const)), metadata);
}

/**
 * Parses and fully validates safetensors bytes (https://github.com/huggingface/safetensors format) holding tensors
 * of the dtypes in `accept`.
 * @param bytes the whole file.
 * @param source names the file in errors, e.g. `runs/demo/compressed/model.safetensors`.
 * @param accept the dtypes read (default every {@link TypedDtype}: F32, I8, U8); any other dtype is an error.
 * @returns the tensors in sorted-name order (fresh, aligned arrays of each dtype, bitwise equal to the stored
 *   values, NaN payloads included) and the metadata (empty when absent).
 * @throws CheckpointError `SOURCE: DEFECT` for any defect of the frame or header (src/core/safetensors-layout.ts,
 *   parseSafetensorsLayout: a duplicate key, overlapping offsets, a hole, trailing bytes …), or a dtype not in `accept`.
 */
export function decodeTypedSafetensors(bytes: Uint8Array, source: string, accept: readonly TypedDtype[] = TYPED_DTYPES): TypedSafetensorsContent {
  const { entries, metadata, data } = parseSafetensorsLayout(bytes, source, accept);
  const tensors = new Map<string, TypedTensor>();
  for (const e of entries.values()) {
    const { bytes: size, array } = DTYPES[e.dtype as TypedDtype];
    const values = new array((e.end - e.begin) / size);
    copyLittleEndian(data.subarray(e.begin, e.end), bytesOfArray(values), size);
    tensors.set(e.name, { dtype: e.dtype, shape: [...e.shape], data: values } as TypedTensor);
  }
  return { tensors, metadata };
}

/**
 * Parses and fully validates a safetensors file (https://github.com/huggingface/safetensors format) of F32 tensors
 * only: {@link decodeTypedSafetensors} accepting F32.
 * @param bytes the whole file.
 * @param source names the file in errors, e.g. `runs/a/step-00000042/params.safetensors`.
 * @returns the tensors (fresh, 4-byte-aligned `Float32Array`s, bitwise equal to the stored values) and metadata.
 * @throws CheckpointError naming `source` and the defect, as {@link decodeTypedSafetensors}; any dtype other than
 *   F32 (I8 and U8 included) is refused.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContent {
  const { tensors, metadata } = decodeTypedSafetensors(bytes, source, ['F32']);
  return { params: paramSet([...tensors].map(([name, t]) => [name, { shape: t.shape, data: t.data as Float32Array }] as const)), metadata };
}
