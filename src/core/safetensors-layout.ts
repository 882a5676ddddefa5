/**
 * Reading and checking the frame and header of a safetensors file, whatever its dtypes (spec: the format section of
 * the README of https://github.com/huggingface/safetensors):
 *
 * ```
 * [8 bytes: N, unsigned little-endian 64-bit] [N bytes: UTF-8 JSON header] [data]
 * header = {"__metadata__"?: {string: string}, NAME: {"dtype": DTYPE, "shape": [d0, ...], "data_offsets": [b, e]}}
 * ```
 * The spec's rules checked: the header is UTF-8 JSON without a duplicate key; every offset and dimension is a
 * non-negative integer; `shape` × dtype size is the tensor's byte length; "the byte buffer needs to be entirely
 * indexed, and cannot contain holes", so offsets neither overlap, leave a hole, run past the data nor leave trailing
 * bytes. Numbers are read as written (lossless-json), so an error echoes `18446744073709551616` as such, not rounded.
 * The tensors' bytes are not read here: src/core/safetensors.ts decodes F32, I8 and U8 ones, src/hf/hf-weights.ts
 * the F32 ones of a Hugging Face BERT.
 */
import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { bytesInWords } from './bounded-file';
import { echoValue, escapeNonPrintable } from './echo-value';
import { CheckpointError } from './errors';
import { duplicateJsonKey } from './json-duplicate-key';

/** Largest header accepted, as in the reference implementation (100 MB); a larger length means a corrupt file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key for the free-form string map. */
export const METADATA_KEY = '__metadata__';

/** Element size in bytes of every dtype of the format (the spec's `Dtype` enum, sub-byte float formats aside). */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** Every dtype of {@link DTYPE_BYTES}: what {@link parseSafetensorsLayout} accepts by default. */
export const SAFETENSORS_DTYPES: readonly string[] = Object.keys(DTYPE_BYTES);

/** One tensor of a checked header: its dtype, shape, and byte range `[begin, end)` in the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A checked safetensors file: its tensors' entries (in sorted-name order), its `__metadata__` map and data. */
export interface SafetensorsLayout {
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** `__metadata__` (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The data section: the bytes after the header; entry offsets are relative to its start. */
  readonly data: Uint8Array;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);
}

/** A header value as written (numbers with all their digits), cut for a message. */
function written(v: unknown): string {
  return echoValue(stringifyLossless(v) ?? String(v));
}

/** An unsigned integer written in decimal digits without a leading zero, as the reference writer writes them. */
const DIGITS = /^(?:0|[1-9][0-9]*)$/;

/**
 * The integers of the list `field` (`shape` or `data_offsets`) of tensor `name`, each a non-negative integer within
 * 2^53 - 1, `length` of them when given; `fail` is called with which element is bad and why.
 */
function integerList(name: string, field: string, raw: unknown, length: number | undefined, fail: (detail: string) => never): number[] {
  const want = length === 2 ? 'a pair [begin, end] of non-negative integers' : 'a list of non-negative integers';
  if (!Array.isArray(raw)) fail(`tensor ${name}: ${field} ${raw === undefined ? 'is missing' : `is ${written(raw)}`}; it must be ${want}`);
  if (length !== undefined && raw.length !== length) fail(`tensor ${name}: ${field} ${written(raw)} has ${raw.length} elements; it must be ${want}`);
  return raw.map((v: unknown, i: number) => {
    const at = `tensor ${name}: ${field}[${i}] of ${written(raw)}`;
    if (!isLosslessNumber(v)) fail(`${at} is ${written(v)}, not a number`);
    const text = v.value;
    if (text.startsWith('-')) fail(`${at} is ${text}: ${field === 'shape' ? 'a dimension' : 'an offset'} cannot be negative`);
    if (!DIGITS.test(text)) fail(`${at} is ${text}, not an integer written in decimal digits`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) fail(`${at} is ${text}, beyond 2^53 - 1 (far more than any file holds): corrupt header`);
    return n;
  });
}

/** Checks one header entry's fields (not yet its placement in the data); `accept` lists the dtypes read. */
function parseEntry(name: string, raw: unknown, accept: readonly string[], fail: (detail: string) => never): SafetensorsEntry {
  if (!isPlainObject(raw)) fail(`header entry ${JSON.stringify(name)} is not an object`);
  for (const key of Object.keys(raw)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') fail(`tensor ${name}: unknown header field ${JSON.stringify(key)}`);
  }
  const { dtype } = raw;
  if (typeof dtype !== 'string') fail(`tensor ${name}: dtype is missing or not a string`);
  if (!accept.includes(dtype)) {
    fail(`tensor ${name}: unsupported dtype ${JSON.stringify(dtype)}${Object.hasOwn(DTYPE_BYTES, dtype) ? '' : ' (not a safetensors dtype)'}; expected ${accept.join(', ')}`);
  }
  const shape = integerList(name, 'shape', raw['shape'], undefined, fail);
  const [begin, end] = integerList(name, 'data_offsets', raw['data_offsets'], 2, fail) as [number, number];
  if (end < begin) fail(`tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
  const size = DTYPE_BYTES[dtype]!;
  const expected = size * shape.reduce((a, b) => a * b, 1);
  if (end - begin !== expected) {
    fail(`tensor ${name}: shape [${shape.join(', ')}] of ${dtype} (${size} byte${size === 1 ? '' : 's'} each) needs ${bytesInWords(expected)}, but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

/** The header JSON text of `bytes`, after checking the frame. */
function headerText(bytes: Uint8Array, fail: (detail: string, cause?: unknown) => never): { text: string; dataStart: number } {
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit; corrupt length field`);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length ${headerLength} runs beyond the file (${bytes.length - 8} bytes after the length field); truncated or corrupt`);
  }
  const n = Number(headerLength);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch (e) {
    const at = bytes.subarray(8, 8 + n).findIndex((b) => b >= 0x80);
    fail(`header is not valid UTF-8 (the spec requires UTF-8 JSON; first byte above 0x7F at header offset ${at})`, e);
  }
  return { text, dataStart: 8 + n };
}

/**
 * Parses and checks the frame and header of safetensors bytes (module docs), without reading the tensors.
 * @param bytes the whole file.
 * @param source names the file in errors, e.g. `hf/model.safetensors`.
 * @param accept the dtypes allowed (default every dtype of the format, {@link SAFETENSORS_DTYPES}).
 * @returns the entries in sorted-name order, the metadata and the data section.
 * @throws CheckpointError `SOURCE: DEFECT` when: fewer than 8 bytes; header length beyond the file or over
 *   {@link MAX_HEADER_BYTES}; header not UTF-8, not starting with `{`, not JSON, or holding a key twice (naming it);
 *   `__metadata__` not an object of strings; an entry not an object, with an unknown field, a missing or unaccepted
 *   dtype, a shape or data_offsets element that is not a non-negative integer (naming the element and why, echoing
 *   it as written), data_offsets not a pair or ending before they begin, or shape × dtype size ≠ its byte length;
 *   two tensors' offsets overlapping (naming both), a hole, offsets past the end of the data (truncated file) or
 *   trailing bytes after the last tensor.
 */
export function parseSafetensorsLayout(bytes: Uint8Array, source: string, accept: readonly string[] = SAFETENSORS_DTYPES): SafetensorsLayout {
  const fail: (detail: string, cause?: unknown) => never = (detail, cause) => {
    throw new CheckpointError(`${source}: ${detail}`, cause === undefined ? undefined : { cause });
  };
  const { text, dataStart } = headerText(bytes, fail);
  if (!text.startsWith('{')) fail(`header does not start with '{' (got ${JSON.stringify(text.slice(0, 16))})`);
  let header: Record<string, unknown> = {}; // valid JSON that starts with '{' is an object
  try {
    header = parseLossless(text) as Record<string, unknown>;
  } catch (e) {
    // Escaped: the parser's message quotes the bad character as it is (a header padded with NULs: a raw NUL).
    fail(`header is not valid JSON (${escapeNonPrintable((e as Error).message)})`, e);
  }
  const twice = duplicateJsonKey(text);
  if (twice !== undefined) fail(`header holds the key ${JSON.stringify(twice)} twice; the spec allows each key once`);

  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(raw)) fail(`${METADATA_KEY} is not an object`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') fail(`${METADATA_KEY}.${k} is ${written(v)}, not a string`);
        metadata[k] = v;
      }
    } else {
      entries.push(parseEntry(name, raw, accept, fail));
    }
  }

  const dataLength = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let previous: SafetensorsEntry | undefined;
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) {
      fail(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] overlap those of tensor ${previous!.name}, [${previous!.begin}, ${previous!.end}]; each byte belongs to one tensor`);
    }
    if (e.begin > cursor) fail(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] leave a hole of ${e.begin - cursor} bytes after offset ${cursor}; the data may not hold unindexed bytes`);
    if (e.end > dataLength) fail(`truncated: tensor ${e.name} ends at data offset ${e.end} but the file holds ${dataLength} data bytes`);
    if (e.end > cursor) [previous, cursor] = [e, e.end];
  }
  if (cursor !== dataLength) fail(`${dataLength - cursor} trailing bytes after the last tensor (data holds ${dataLength}, tensors cover ${cursor}); the data may not hold unindexed bytes`);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries: new Map(entries.map((e) => [e.name, e])), metadata, data: bytes.subarray(dataStart) };
}
