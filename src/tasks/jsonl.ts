/**
 * User data as JSON Lines (https://jsonlines.org): one `{"text": string, "label": string | number}` object per
 * line. Used for the `jsonl` task family (episodes over the user's own classes) and for personalization
 * (`metatrain adapt --data user.jsonl`), which needs the raw examples.
 */
import { readFileSync } from 'node:fs';
import { DatasetError } from '../core/errors';
import type { LabelledCorpus } from './text-corpus';

/** One labelled example as written in the file. */
export interface LabelledExample {
  /** The example text, as written (not trimmed). */
  readonly text: string;
  /** The label's name: a string label as is, a number label as `String(label)` (so `1` and `"1"` coincide). */
  readonly label: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

/**
 * Reads and validates a JSONL file of labelled examples. Blank (whitespace-only) lines are skipped; a UTF-8
 * byte-order mark and CRLF line ends are accepted; fields other than `text` and `label` are ignored.
 * @returns the examples in file order.
 * @throws DatasetError with the file and the 1-based line number when a line is not JSON, not an object, has
 *   no `text` or no `label`, a `text` that is not a string or is blank, or a `label` that is not a non-empty
 *   string or a number; without a line number when the file cannot be read or holds no example.
 */
export function loadLabelledJsonl(path: string): LabelledExample[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatasetError(path, `cannot read: ${(err as Error).message}`, undefined, { cause: err });
  }
  const examples: LabelledExample[] = [];
  content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (raw.trim().length > 0) examples.push(parseLine(raw, path, i + 1));
    });
  if (examples.length === 0) throw new DatasetError(path, 'no examples: the file is empty or has only blank lines');
  return examples;
}

/**
 * The labelled corpus of a JSONL file: one class per distinct label, in order of first appearance; each
 * class's texts in file order.
 * @throws DatasetError as {@link loadLabelledJsonl}.
 */
export function jsonlCorpus(path: string): LabelledCorpus {
  const classes: string[] = [];
  const examples: string[][] = [];
  const byLabel = new Map<string, string[]>();
  for (const { text, label } of loadLabelledJsonl(path)) {
    let list = byLabel.get(label);
    if (!list) {
      list = [];
      byLabel.set(label, list);
      classes.push(label);
      examples.push(list);
    }
    list.push(text);
  }
  return { name: path, classes, examples };
}

function parseLine(raw: string, path: string, line: number): LabelledExample {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new DatasetError(path, `not valid JSON (${(err as Error).message})`, line, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DatasetError(path, `expected an object {"text": ..., "label": ...}, got ${kindOf(value)}`, line);
  }
  const record = value as Record<string, unknown>;
  const { text, label } = record;
  if (!('text' in record)) throw new DatasetError(path, 'missing field "text"', line);
  if (typeof text !== 'string') throw new DatasetError(path, `"text" must be a string, got ${kindOf(text)}`, line);
  if (text.trim().length === 0) throw new DatasetError(path, '"text" is empty', line);
  if (!('label' in record)) throw new DatasetError(path, 'missing field "label"', line);
  if (typeof label === 'number') return { text, label: String(label), line };
  if (typeof label !== 'string') {
    throw new DatasetError(path, `"label" must be a string or a number, got ${kindOf(label)}`, line);
  }
  if (label.trim().length === 0) throw new DatasetError(path, '"label" is an empty string', line);
  return { text, label, line };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}
