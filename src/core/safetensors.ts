/**
 * ParamSets as Hugging Face safetensors files (https://huggingface.co/docs/safetensors, format section):
 *
 * ```
 * [8 bytes: N, unsigned little-endian 64-bit] [N bytes: UTF-8 JSON header] [data: little-endian tensor bytes]
 * header = {"__metadata__"?: {string: string}, NAME: {"dtype": "F32", "shape": [d0, ...], "data_offsets": [b, e]}}
 * ```
 * Offsets are relative to the start of the data and must tile it exactly: no overlap, no hole, no trailing byte.
 * The header is padded with spaces so the data starts on an 8-byte boundary. metatrain writes and reads F32 only.
 * Writing matches the reference (Rust) serializer byte for byte: compact JSON, `__metadata__` first, tensors in
 * sorted-name order (its order for a single dtype; same as byte order for ASCII names), keys in the order dtype,
 * shape, data_offsets.
 */
import { endianness } from 'node:os';
import { CheckpointError, ShapeError } from './errors';
import { paramSet, sizeOfShape, type NamedTensor, type ParamSet } from './param-set';

/** Largest header accepted, as in the reference implementation (100 MB); a larger length means a corrupt file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key for the free-form string map. */
const METADATA_KEY = '__metadata__';

/** dtypes the format defines; named in the error when a file holds one metatrain does not read. */
const KNOWN_DTYPES = new Set(['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']);

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** A decoded file: its tensors (sorted by name) and its `__metadata__` map (empty when absent). */
export interface SafetensorsContent {
  readonly params: ParamSet;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Copies float32 bytes between little-endian storage and host order (reversing each 4-byte group on a big-endian host). */
function copyFloat32Bytes(src: Uint8Array, dst: Uint8Array): void {
  dst.set(src);
  if (LITTLE_ENDIAN_HOST) return;
  for (let i = 0; i < dst.length; i += 4) {
    const a = dst[i], b = dst[i + 1];
    dst[i] = dst[i + 3]; dst[i + 1] = dst[i + 2]; dst[i + 2] = b; dst[i + 3] = a;
  }
}

/**
 * Serializes `params` (every tensor F32) to safetensors bytes.
 * @param params tensors to write; any float32 bit pattern (NaN payloads included) is stored unchanged.
 * @param metadata optional `__metadata__` string map (omitted from the header when empty or absent).
 * @returns the file contents: 8 + N + 4·(total element count) bytes, N a multiple of 8.
 * @throws ShapeError when a tensor is named `__metadata__`, has a dimension that is not a non-negative integer, or
 *   a data length that differs from the product of its shape.
 */
export function encodeSafetensors(params: ParamSet, metadata?: Readonly<Record<string, string>>): Buffer {
  const names = [...params.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const name of names) {
    const t = params.get(name) as NamedTensor;
    if (name === METADATA_KEY) throw new ShapeError(`safetensors: a tensor may not be named ${METADATA_KEY}`);
    if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new ShapeError(`safetensors: tensor ${name} has shape [${t.shape.join(', ')}]; dimensions must be non-negative integers`);
    }
    if (t.data.length !== sizeOfShape(t.shape)) {
      throw new ShapeError(`safetensors: tensor ${name} has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
    const end = offset + 4 * t.data.length;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + headerBytes + offset, 0x20);
  out.writeBigUInt64LE(BigInt(headerBytes), 0);
  json.copy(out, 8);
  const dataStart = 8 + headerBytes;
  for (const name of names) {
    const t = params.get(name) as NamedTensor;
    const [b, e] = (header[name] as { data_offsets: [number, number] }).data_offsets;
    copyFloat32Bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), out.subarray(dataStart + b, dataStart + e));
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Entry {
  readonly name: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** Checks one header entry's fields (not yet its placement in the data). */
function parseEntry(name: string, raw: unknown, fail: (detail: string) => never): Entry {
  if (!isPlainObject(raw)) fail(`header entry ${JSON.stringify(name)} is not an object`);
  for (const key of Object.keys(raw)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') fail(`tensor ${name}: unknown header field ${JSON.stringify(key)}`);
  }
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') fail(`tensor ${name}: dtype is missing or not a string`);
  if (dtype !== 'F32') {
    fail(`tensor ${name}: unsupported dtype ${JSON.stringify(dtype)}${KNOWN_DTYPES.has(dtype) ? '' : ' (not a safetensors dtype)'}; metatrain reads F32 only`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(`tensor ${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
    fail(`tensor ${name}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
  const expected = 4 * sizeOfShape(shape as number[]);
  if (end - begin !== expected) {
    fail(`tensor ${name}: shape [${(shape as number[]).join(', ')}] × 4 bytes = ${expected} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, shape: shape as number[], begin, end };
}

/**
 * Parses and fully validates safetensors bytes.
 * @param bytes the whole file.
 * @param source names the file in errors, e.g. `runs/a/step-00000042/params.safetensors`.
 * @returns the tensors (fresh, 4-byte-aligned `Float32Array`s, bitwise equal to the stored values) and metadata.
 * @throws CheckpointError naming `source` and the defect: fewer than 8 bytes, header length beyond the file or over
 *   {@link MAX_HEADER_BYTES}, header not UTF-8 / not starting with `{` / bad JSON, bad `__metadata__`,
 *   unsupported dtype, bad shape or offsets, shape × 4 ≠ byte length, offsets overlapping, leaving a hole, past the
 *   end of the data (truncated file) or leaving trailing bytes.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContent {
  const fail: (detail: string) => never = (detail) => {
    throw new CheckpointError(`${source}: ${detail}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit; corrupt length field`);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length ${headerLength} runs beyond the file (${bytes.length - 8} bytes after the length field); truncated or corrupt`);
  }
  const n = Number(headerLength);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch (e) {
    throw new CheckpointError(`${source}: header is not valid UTF-8`, { cause: e });
  }
  if (!text.startsWith('{')) fail(`header does not start with '{' (got ${JSON.stringify(text.slice(0, 16))})`);
  let header: Record<string, unknown>; // valid JSON that starts with '{' is an object
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError(`${source}: header is not valid JSON (${(e as Error).message})`, { cause: e });
  }

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(raw)) fail(`${METADATA_KEY} is not an object`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') fail(`${METADATA_KEY}.${k} is ${JSON.stringify(v)}, not a string`);
        metadata[k] = v;
      }
    } else {
      entries.push(parseEntry(name, raw, fail));
    }
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) fail(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${cursor}`);
    if (e.begin > cursor) fail(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] leave a hole of ${e.begin - cursor} bytes after offset ${cursor}`);
    if (e.end > dataLength) fail(`truncated: tensor ${e.name} ends at data offset ${e.end} but the file holds ${dataLength} data bytes`);
    cursor = e.end;
  }
  if (cursor !== dataLength) fail(`${dataLength - cursor} trailing bytes after the last tensor (data holds ${dataLength}, tensors cover ${cursor})`);

  const params = paramSet(
    entries.map((e) => {
      const data = new Float32Array((e.end - e.begin) / 4);
      copyFloat32Bytes(bytes.subarray(dataStart + e.begin, dataStart + e.end), new Uint8Array(data.buffer));
      return [e.name, { shape: e.shape, data }] as const;
    }),
  );
  return { params, metadata };
}
