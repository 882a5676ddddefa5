/**
 * Parsing the bytes of a JSON file (a Hugging Face config.json or tokenizer.json) strictly: UTF-8 (a leading
 * byte-order mark accepted, as for JSONL files), JSON (RFC 8259), and no object holding a key twice (JSON.parse would
 * keep the last value silently).
 */
import { duplicateJsonKey } from './json-duplicate-key';
import { decodeUtf8, describeUtf8Problem } from './utf8-text';

/** The result of {@link parseJsonBytes}: the value, or a one-line description of why the bytes are not one. */
export type JsonBytesParsed = { readonly value: unknown } | { readonly problem: string };

/**
 * Parses `bytes` as one JSON value.
 * @returns the value, or the problem: bytes that are not UTF-8 (the byte and its line, or a UTF-16 file, with the
 *   fix), JSON.parse's syntax error, or `the key "K" appears twice in one object` naming the key.
 */
export function parseJsonBytes(bytes: Uint8Array): JsonBytesParsed {
  const decoded = decodeUtf8(bytes);
  if ('problem' in decoded) return { problem: describeUtf8Problem(decoded.problem) };
  let value: unknown;
  try {
    value = JSON.parse(decoded.text);
  } catch (err) {
    return { problem: `not JSON: ${(err as Error).message}` };
  }
  const twice = duplicateJsonKey(decoded.text);
  if (twice !== undefined) return { problem: `the key ${JSON.stringify(twice)} appears twice in one object; JSON.parse would keep the last value: keep one` };
  return { value };
}
