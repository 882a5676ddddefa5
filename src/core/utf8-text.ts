/**
 * Strict UTF-8 decoding of a text file's bytes (checked with Node's `isUtf8`, decoded by the WHATWG decoder): bytes that are not UTF-8 are an
 * error naming where they are, instead of turning silently into U+FFFD (a Latin-1 "café" read as "caf�"). Also
 * finds control bytes (NUL …) that no text file holds, the mark of a binary file.
 */
import { isUtf8 } from 'node:buffer';

/** Where a byte is in a text's bytes. */
export interface BytePosition {
  /** 0-based offset of the byte in the whole text, in bytes. */
  readonly offset: number;
  /** 1-based line of the byte. */
  readonly line: number;
  /** 1-based position of the byte in its line, in bytes. */
  readonly byteInLine: number;
  /** The byte's value, 0..255. */
  readonly byte: number;
}

/** Where a text's bytes stop being UTF-8: the position of the first byte that is not UTF-8. */
export interface Utf8Problem extends BytePosition {
  /** Lines holding bytes that are not UTF-8. */
  readonly badLines: number;
  /**
   * The bytes are UTF-16 or UTF-32 text: they start with that encoding's byte-order mark (UTF-16: FF FE or FE FF;
   * UTF-32: FF FE 00 00 or 00 00 FE FF), or have none but are such text by their NUL bytes ({@link wideEncodingOf}).
   */
  readonly wideEncoding: WideEncoding | undefined;
}

/** A Unicode encoding of 2 or 4 bytes per character that text files come in (Windows' "Unicode" is UTF-16). */
export type WideEncoding = 'UTF-16' | 'UTF-32';

/** The result of {@link decodeUtf8}: the text, or where its bytes are not UTF-8. */
export type Utf8Decoded = { readonly text: string } | { readonly problem: Utf8Problem };

/** Decodes `bytes` as UTF-8 (a leading byte-order mark dropped), or says where the first byte that is not UTF-8 is. */
export function decodeUtf8(bytes: Uint8Array): Utf8Decoded {
  return isUtf8(bytes) && !wideEncodingOf(bytes) ? { text: new TextDecoder('utf-8').decode(bytes) } : { problem: locate(bytes) };
}

/** How many leading bytes {@link wideEncodingOf} looks at without a byte-order mark (256). */
const SNIFF_BYTES = 256;

/**
 * The wide encoding `bytes` are in, by its byte-order mark, or without one by its NUL bytes: in the first
 * {@link SNIFF_BYTES} bytes (at least two units), three units in four or more have their one non-NUL byte at the
 * same end (the first: little-endian; the last: big-endian), as Latin text in that encoding does (UTF-32 is looked
 * for first: its units are also UTF-16 units). Such ASCII-range bytes are valid UTF-8, but no UTF-8 text holds NUL.
 */
function wideEncodingOf(bytes: Uint8Array): WideEncoding | undefined {
  const starts = (...mark: number[]) => mark.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xfe, 0, 0) || starts(0, 0, 0xfe, 0xff)) return 'UTF-32';
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return 'UTF-16';
  if (latinUnits(bytes, 4)) return 'UTF-32';
  return latinUnits(bytes, 2) ? 'UTF-16' : undefined;
}

/** Whether three in four of the first units of `unitBytes` bytes of `bytes` hold one non-NUL byte, at the same end. */
function latinUnits(bytes: Uint8Array, unitBytes: number): boolean {
  const units = Math.floor(Math.min(bytes.length, SNIFF_BYTES) / unitBytes);
  if (units < 2) return false;
  let little = 0;
  let big = 0;
  for (let u = 0; u < units; u++) {
    const unit = bytes.subarray(u * unitBytes, (u + 1) * unitBytes);
    const nonNul = unit.reduce((n, b) => n + (b === 0 ? 0 : 1), 0);
    if (nonNul !== 1) continue;
    if (unit[0] !== 0) little++;
    if (unit[unitBytes - 1] !== 0) big++;
  }
  return Math.max(little, big) >= 0.75 * units;
}

/** A one-line description of `problem`, e.g. "not UTF-8 text: byte 0xE9 (the 4th of line 1) …", with the fix. */
export function describeUtf8Problem(problem: Utf8Problem): string {
  if (problem.wideEncoding === 'UTF-16') return 'is UTF-16 text (it starts with a UTF-16 byte-order mark, or has a NUL byte in every other place), not UTF-8: save it as UTF-8';
  if (problem.wideEncoding === 'UTF-32') return 'is UTF-32 text (it starts with a UTF-32 byte-order mark, or has three NUL bytes in every four), not UTF-8: save it as UTF-8 (iconv -f UTF-32 -t UTF-8)';
  const lines = problem.badLines === 1 ? '1 line of the file has' : `${problem.badLines} lines of the file have`;
  return (
    `not UTF-8 text: byte 0x${problem.byte.toString(16).toUpperCase().padStart(2, '0')} (byte ${problem.byteInLine} of the line) is not valid UTF-8 (${lines} such bytes); ` +
    'save the file as UTF-8 (from Latin-1 or Windows-1252: iconv -f WINDOWS-1252 -t UTF-8)'
  );
}

/**
 * The first control byte of `bytes` that text does not hold (C0 controls other than tab, line feed and carriage
 * return, and DEL 0x7F: NUL in a binary file), or undefined when there is none. A UTF-8 sequence never contains
 * bytes below 0x80, so this works on UTF-8 and on bytes that are not UTF-8 alike.
 */
export function firstControlByte(bytes: Uint8Array): BytePosition | undefined {
  const offset = bytes.findIndex((b) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f);
  if (offset === -1) return undefined;
  // Not lastIndexOf(0x0a, offset - 1): at offset 0 its -1 means "from the end", finding a later line feed.
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  return { offset, line, byteInLine: offset - lineStart + 1, byte: bytes[offset]! };
}

/** Names of the control bytes worth naming. */
const CONTROL_NAMES: Readonly<Record<number, string>> = { 0x00: 'NUL', 0x1b: 'ESC', 0x7f: 'DEL' };

/**
 * Decodes `bytes` as the contents of a text file: UTF-8 ({@link decodeUtf8}) without control bytes
 * ({@link firstControlByte}), or a one-line description of the first byte (by offset) that makes it not text,
 * naming its value, byte offset and line, with the fix (a UTF-16 or UTF-32 file is said to be one).
 */
export function decodeTextFile(bytes: Uint8Array): { readonly text: string } | { readonly problem: string } {
  const decoded = decodeUtf8(bytes);
  const control = firstControlByte(bytes);
  if ('problem' in decoded && (decoded.problem.wideEncoding !== undefined || !control || decoded.problem.offset < control.offset)) {
    const p = decoded.problem;
    return { problem: p.wideEncoding ? describeUtf8Problem(p) : `at byte offset ${p.offset} (line ${p.line}): ${describeUtf8Problem(p)}` };
  }
  if (control) {
    const hex = `0x${control.byte.toString(16).toUpperCase().padStart(2, '0')}`;
    const name = CONTROL_NAMES[control.byte] ? ` (${CONTROL_NAMES[control.byte]})` : '';
    return { problem: `not a text file: byte ${hex}${name} at byte offset ${control.offset} (line ${control.line}, byte ${control.byteInLine} of the line) is a control character no text holds (a binary file?)` };
  }
  return decoded as { readonly text: string };
}

function locate(bytes: Uint8Array): Utf8Problem {
  const wideEncoding = wideEncodingOf(bytes);
  // A line feed (0x0A) never occurs inside a UTF-8 sequence, so lines can be checked one by one.
  let first: { line: number; start: number; bytes: Uint8Array } | undefined;
  let badLines = 0;
  let line = 0;
  for (let start = 0; start <= bytes.length; ) {
    line++;
    const feed = bytes.indexOf(0x0a, start);
    const end = feed === -1 ? bytes.length : feed;
    const text = bytes.subarray(start, end);
    if (!isUtf8(text)) {
      badLines++;
      first ??= { line, start, bytes: text };
    }
    start = end + 1;
  }
  const at = first ? firstBadByte(first.bytes) : 0;
  return { offset: (first?.start ?? 0) + at, line: first?.line ?? 1, byteInLine: at + 1, byte: first?.bytes[at] ?? 0, badLines, wideEncoding };
}

/**
 * Index of the byte that starts the first invalid sequence of `bytes` (which are not UTF-8): the longest prefix a
 * streaming decoder accepts ends inside or right before that sequence; its start is the end of the longest whole
 * UTF-8 prefix at most 3 bytes before.
 */
function firstBadByte(bytes: Uint8Array): number {
  const accepts = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (accepts(mid)) lo = mid;
    else hi = mid - 1;
  }
  let start = lo;
  while (start > 0 && !isUtf8(bytes.subarray(0, start))) start--;
  return start;
}
