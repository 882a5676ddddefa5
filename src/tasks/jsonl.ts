/**
 * User data as JSON Lines (https://jsonlines.org): one `{"text": string, "label": string | number}` object per
 * line. Used for the `jsonl` task family (episodes over the user's own classes) and for personalization
 * (`metatrain adapt --data user.jsonl`, or `--data -` for standard input: {@link StdinData}), which needs the raw
 * examples; both read files through {@link loadLabelledJsonl}, so both apply the same rules.
 */
import { getUnsafeNumberReason, isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { readBoundedFile, readBoundedStdin, STDIN_NAME } from '../core/bounded-file';
import { echoJson } from '../core/echo-value';
import { duplicateJsonKey } from '../core/json-duplicate-key';
import { DatasetError, type FileReadError, type FileReadReason } from '../core/errors';
import { decodeUtf8, describeUtf8Problem } from '../core/utf8-text';
import type { LabelledCorpus } from './text-corpus';

/** One labelled example as written in the file. */
export interface LabelledExample {
  /** The example text, as written (not trimmed). */
  readonly text: string;
  /**
   * The label's name: a string label as is (without control or format characters or line separators), a number label as written, which is
   * `String(label)`: a number written in another form than that (`1.0`, `1e1`, `2.50`), or that parsing would
   * change (12345678901234567890, -0), is refused. A file never uses both a number and a string with the same name
   * (`1` and `"1"`): {@link loadLabelledJsonl} rejects it.
   */
  readonly label: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

/**
 * Standard input as the source of a JSONL file (`metatrain adapt --data -`, `predict --data -`), read by
 * {@link readStdinData}: read within the same limit and parsed by the same rules as a file, and named `stdin` in
 * errors (`stdin:3: missing field "label"`).
 */
export interface StdinData {
  /** The bytes read from standard input. */
  readonly stdin: Buffer;
}

/** Where JSONL data come from: a file's path, or what standard input held ({@link StdinData}). */
export type JsonlSource = string | StdinData;

/** How `source` is named in messages: the path as given, or `stdin`. */
export function jsonlSourceName(source: JsonlSource): string {
  return typeof source === 'string' ? source : STDIN_NAME;
}

/**
 * Reads standard input to its end as JSONL data, without blocking the event loop (Ctrl-C is handled while a
 * producer keeps the pipe open).
 * @param maxBytes the most bytes accepted, as for a file.
 * @throws (rejects with) DatasetError naming `stdin` when it is a terminal, a directory or a device (with how to give
 *   the data), holds more than `maxBytes`, or cannot be read.
 */
export async function readStdinData(maxBytes = MAX_JSONL_FILE_BYTES): Promise<StdinData> {
  return { stdin: await readBoundedStdin(maxBytes, refusal(STDIN_NAME, STDIN_ADVICE)) };
}

/** Bad lines listed in one error (the count of the others is given). */
export const MAX_REPORTED_LINES = 20;

/**
 * The largest JSONL file read, in bytes (128 MiB), checked before reading (src/core/bounded-file.ts): a device such as
 * /dev/zero given as `--data` was read until memory ran out. Data for few-shot adaptation (`adapt --data`, `predict
 * --data`) are a few KB; a `task.path` corpus can be larger, but loading one takes about 5 times its size in memory
 * (measured with jsonlCorpus: a 27 MB file of 200,000 lines peaked at 133 MB above Node's own, a 109 MB one at 470 MB,
 * in 3 s), so 128 MiB, about ten times the built-in State of the Union corpus (11 MB of text), costs about 600 MB
 * in the coordinator and in every worker that loads it; a file four times larger could not even be decoded into one
 * string (V8 caps a string at 2^29 - 24 UTF-16 code units).
 */
export const MAX_JSONL_FILE_BYTES = 128 << 20;

/** What a DatasetError for a JSONL file that cannot be read says after the reader's reason. */
const ADVICE: Record<FileReadReason, string> = {
  unreadable: '',
  'not-a-file': ': give a JSONL file',
  'too-large': '; loading a JSONL file takes about 5 times its size in memory (MAX_JSONL_FILE_BYTES): give a sample of it',
};

/** What a DatasetError for standard input that is not a file or a pipe (a terminal) says after the reader's reason. */
const STDIN_ADVICE = ': pipe or redirect the JSONL data into it (--data - < user.jsonl), or give the file with --data FILE';

/**
 * Reads and validates a JSONL file of labelled examples (from a file, or from standard input: {@link StdinData}). The file must be UTF-8 (other bytes are refused at the
 * first one's line, not decoded as U+FFFD). Blank (whitespace-only) lines are skipped; a UTF-8
 * byte-order mark and CRLF line ends are accepted; fields other than `text` and `label` are ignored.
 * @param source a file's path, or standard input's data (named `stdin` in errors, as the file's path is otherwise).
 * @param maxBytes the largest file read, in bytes; a larger one is refused before it is read (standard input's limit
 *   is {@link readStdinData}'s).
 * @returns the examples in file order.
 * @throws DatasetError with the file and the 1-based line number when a line is not JSON, not an object, holds a
 *   key twice in one object (naming the key; JSON.parse would keep the last value), has no `text` or no `label`, a `text` that is not a string or is blank, or a `label` that is not a non-empty
 *   string or a number, or a string `label` holding a control character, a format character (U+200B, U+202E …) or a line or paragraph separator (naming its code point and position) or
 *   leading or trailing whitespace; two string labels equal in Unicode normalization form C but written differently (`café` composed and decomposed: naming both lines); a number `label` that parsing changes (more digits than a double holds, out of range,
 *   or -0) or that is not written in its number's own form (`10.0`, `1e1`: one class with `10`), naming it as written and asking to quote it; when a number label and a string label have the same
 *   name (`1` and `"1"`: they would be one class), at the later line, naming both lines and both values;
 *   without a line number when the file cannot be read, is not a regular file or a pipe (a directory, a device
 *   such as /dev/zero), is larger than `maxBytes`, or holds no example (`no examples: the file is empty or has only
 *   blank lines`; for standard input, `no examples: standard input gave only blank lines`). Every bad line is checked: the error's `line` and first sentence are
 *   the first bad line's, then one `and line N: …` per further bad line (up to {@link MAX_REPORTED_LINES}).
 */
export function loadLabelledJsonl(source: JsonlSource, maxBytes = MAX_JSONL_FILE_BYTES): LabelledExample[] {
  return readJsonl(source, true, maxBytes) as LabelledExample[];
}

/** A text to classify, as written in the file; `label` when the line has one. */
export interface TextLine {
  readonly text: string;
  readonly label?: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

/**
 * Reads a JSONL file of texts to classify: `{"text": ...}` per line, `label` optional (checked as in
 * {@link loadLabelledJsonl} where present). Used by `metatrain predict --data`.
 * @param source a file's path, or standard input's data (named `stdin` in errors, as the file's path is otherwise).
 * @param maxBytes the largest file read, in bytes; a larger one is refused before it is read (standard input's limit
 *   is {@link readStdinData}'s).
 * @throws DatasetError as {@link loadLabelledJsonl}, except that a missing `label` is allowed.
 */
export function loadTextJsonl(source: JsonlSource, maxBytes = MAX_JSONL_FILE_BYTES): TextLine[] {
  return readJsonl(source, false, maxBytes);
}

/** The DatasetError of `path` for a FileReadError, with the advice for its reason (`notAFile` for `not-a-file`). */
function refusal(path: string, notAFile = ADVICE['not-a-file']): (err: FileReadError) => DatasetError {
  return (err) => new DatasetError(path, `${err.detail}${err.reason === 'not-a-file' ? notAFile : ADVICE[err.reason]}`, undefined, { cause: err });
}

/** The bytes of `source`: a file read within `maxBytes` (DatasetError naming it when it cannot be), or standard input's. */
function readSource(source: JsonlSource, maxBytes: number): Buffer {
  return typeof source === 'string' ? readBoundedFile(source, maxBytes, refusal(source)) : source.stdin;
}

function readJsonl(source: JsonlSource, labelRequired: boolean, maxBytes: number): TextLine[] {
  const bytes = readSource(source, maxBytes);
  const path = jsonlSourceName(source);
  const decoded = decodeUtf8(bytes);
  if ('problem' in decoded) throw new DatasetError(path, describeUtf8Problem(decoded.problem), decoded.problem.wideEncoding ? undefined : decoded.problem.line);
  const content = decoded.text;
  const examples: TextLine[] = [];
  const bad: DatasetError[] = [];
  /** The first line of each label name, with the JSON type its label had there. */
  const firstOf = new Map<string, ParsedLine>();
  /** The first line of each label name in Unicode normalization form C (`café` composed or decomposed: one key). */
  const firstOfNormalized = new Map<string, ParsedLine>();
  content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (raw.trim().length === 0) return;
      let parsed: ParsedLine;
      try {
        parsed = parseLine(raw, path, i + 1, labelRequired);
      } catch (err) {
        bad.push(err as DatasetError);
        return;
      }
      if (parsed.example.label !== undefined) {
        const first = firstOf.get(parsed.example.label);
        if (!first) firstOf.set(parsed.example.label, parsed);
        else if (first.labelType !== parsed.labelType) {
          bad.push(new DatasetError(path, `label ${labelAsWritten(first)} and ${labelAsWritten(parsed)} would be the same class; use one type`, parsed.example.line));
        }
        const normalized = parsed.example.label.normalize('NFC');
        const firstNormalized = firstOfNormalized.get(normalized);
        if (!firstNormalized) firstOfNormalized.set(normalized, parsed);
        else if (firstNormalized.example.label !== parsed.example.label) {
          bad.push(
            new DatasetError(
              path,
              `label ${labelAsWritten(firstNormalized)} and ${labelAsWritten(parsed)} print the same but are written with different Unicode characters (composed and decomposed accents), so they would be two classes; write them the same way (normalize the file to NFC)`,
              parsed.example.line,
            ),
          );
        }
      }
      examples.push(parsed.example);
    });
  if (bad.length > 0) throw allBadLines(path, bad);
  if (examples.length === 0) throw new DatasetError(path, `no examples: ${typeof source === 'string' ? 'the file is empty or has only blank lines' : 'standard input gave only blank lines'}`);
  return examples;
}

/**
 * One error for every bad line (or text) of `source`: the first error in full, then `and line N: …` per further one
 * (`and …` alone for an error without a line, whose detail names its text), at most {@link MAX_REPORTED_LINES} listed
 * and the others counted; `bad` holds errors made with `new DatasetError(source, detail, line)`. A single error is
 * returned as it is. @param what the noun counted, e.g. `line` ("3 bad lines") or `text` for `--text` texts.
 * @param options.total how many bad lines there are, when `bad` holds only the first of them (a caller that stops
 *   making errors after {@link MAX_REPORTED_LINES}). @default bad.length
 * @param options.outcome what came of the input, after the count. @default 'nothing was read'
 * @throws RangeError when `bad` is empty.
 */
export function allBadLines(source: string, bad: readonly DatasetError[], what = 'line', options: { total?: number; outcome?: string } = {}): DatasetError {
  const [first, ...rest] = bad;
  if (first === undefined) throw new RangeError('allBadLines: no bad lines');
  const total = Math.max(options.total ?? bad.length, bad.length);
  if (total === 1) return first;
  const detailOf = (e: DatasetError) => e.message.slice(`${source}${e.line !== undefined ? `:${e.line}` : ''}: `.length);
  const shown = rest.slice(0, MAX_REPORTED_LINES - 1).map((e) => `\n  and ${e.line !== undefined ? `line ${e.line}: ` : ''}${detailOf(e)}`);
  const more = total > MAX_REPORTED_LINES ? `\n  and ${total - MAX_REPORTED_LINES} more bad ${what}s` : '';
  return new DatasetError(source, `${detailOf(first)}${shown.join('')}${more}\n(${total} bad ${what}s; ${options.outcome ?? 'nothing was read'})`, first.line);
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

/** One parsed line: the example and the JSON type of its label. */
interface ParsedLine {
  readonly example: TextLine;
  readonly labelType?: 'number' | 'string';
}

/** E.g. `1 (number, line 3)` or `"1" (string, line 7)`. */
function labelAsWritten({ example, labelType }: ParsedLine): string {
  const value = labelType === 'string' ? JSON.stringify(example.label) : example.label;
  return `${value} (${labelType}, line ${example.line})`;
}

function parseLine(raw: string, path: string, line: number, labelRequired: boolean): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new DatasetError(path, `not valid JSON (${jsonErrorReason(err as Error)}): ${echoJson(raw)}`, line, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DatasetError(path, `expected an object {"text": ..., "label": ...}, got ${kindOf(value)}`, line);
  }
  // JSON.parse keeps the last of two members of one name: `"label": "x", "label": "y"` would silently be "y".
  const twice = duplicateJsonKey(raw);
  if (twice !== undefined) throw new DatasetError(path, `key ${echoJson(twice)} appears twice in one object (JSON would keep only the last value): give it once`, line);
  const record = value as Record<string, unknown>;
  const { text, label } = record;
  if (!('text' in record)) throw new DatasetError(path, 'missing field "text"', line);
  if (typeof text === 'number') {
    const { written, lost } = numberAsWritten(raw, 'text', text);
    throw new DatasetError(path, `"text" must be a string, got number ${written}${lost === undefined ? '' : `, which ${lost}`}`, line);
  }
  if (typeof text !== 'string') throw new DatasetError(path, `"text" must be a string, got ${kindOf(text)}`, line);
  if (text.trim().length === 0) throw new DatasetError(path, '"text" is empty', line);
  const lone = loneSurrogate(text);
  if (lone) throw new DatasetError(path, `"text" holds ${lone}`, line);
  if (!('label' in record)) {
    if (labelRequired) throw new DatasetError(path, 'missing field "label"', line);
    return { example: { text, line } };
  }
  if (typeof label === 'number') return { example: { text, label: numberLabelName(raw, label, path, line), line }, labelType: 'number' };
  if (typeof label !== 'string') {
    throw new DatasetError(path, `"label" must be a string or a number, got ${kindOf(label)}`, line);
  }
  if (label.trim().length === 0) throw new DatasetError(path, '"label" is an empty string', line);
  const loneInLabel = loneSurrogate(label);
  if (loneInLabel) throw new DatasetError(path, `"label" holds ${loneInLabel}`, line);
  const characters = [...label];
  const at = characters.findIndex((c, i) => unseenKind(c) !== undefined || (JOINERS.has(c) && !joinsTwo(characters, i)));
  if (at !== -1) {
    const c = characters[at]!;
    const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const kind = unseenKind(c) ?? 'joiner, not between two visible characters,';
    throw new DatasetError(path, `"label" holds the ${kind} U+${code} at character ${at + 1} (${echoJson(label)}): the class would print like another label; remove it`, line);
  }
  if (label.trim() !== label) throw new DatasetError(path, `"label" ${echoJson(label)} has leading or trailing whitespace: the class would print like ${echoJson(label.trim())}; trim it`, line);
  return { example: { text, label, line }, labelType: 'string' };
}

/**
 * The first lone surrogate of `s` in words (`the lone surrogate U+D800 at character 3: …`), or undefined when it is
 * valid Unicode. JSON lets `\ud800` be written without its pair; such a string is no text (UTF-8 cannot encode it).
 */
function loneSurrogate(s: string): string | undefined {
  const at = /\p{Cs}/u.exec(s);
  if (!at) return undefined;
  const code = s.charCodeAt(at.index).toString(16).toUpperCase();
  return `the lone surrogate U+${code} at character ${[...s.slice(0, at.index)].length + 1}: half of a UTF-16 pair, not a character (a JSON \\u${code.toLowerCase()} escape without its pair); remove it`;
}

/**
 * The characters a label cannot hold, as Unicode categories, with what an error calls them: a control character (C0,
 * DEL, C1), a format character (invisible, or reordering the text around it: U+200B ZERO WIDTH SPACE, U+202E
 * RIGHT-TO-LEFT OVERRIDE, U+FEFF), a line or paragraph separator (U+2028, U+2029). Each shows as nothing, or as
 * something else, so that a class holding one would print like another label (`c1` and `c1` + U+200B). The two
 * joiners, U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER, are format characters that labels keep between
 * two visible characters ({@link joinsTwo}): words of Persian, Hindi or Malayalam are written with them (`می‌خواهم`),
 * and so are emoji sequences (👩‍💻).
 */
const UNSEEN_KINDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\p{Cc}/u, 'control character'],
  [/(?![\u200c\u200d])\p{Cf}/u, 'format character'],
  [/\p{Zl}/u, 'line separator'],
  [/\p{Zp}/u, 'paragraph separator'],
];

/** U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER. */
const JOINERS = new Set(['\u200c', '\u200d']);

/**
 * Whether the joiner at `i` of `characters` (code points) stands between two visible characters, as in a word or an
 * emoji sequence; at either end, beside whitespace or beside another joiner it joins nothing and only makes a label
 * that prints like another (`fruit` and `fruit` + U+200D).
 */
function joinsTwo(characters: readonly string[], i: number): boolean {
  const visible = (c: string | undefined) => c !== undefined && !JOINERS.has(c) && !/\s/u.test(c) && unseenKind(c) === undefined;
  return visible(characters[i - 1]) && visible(characters[i + 1]);
}

/** What an error calls the character `c` (one code point) that a label cannot hold ({@link UNSEEN_KINDS}); undefined for another. */
function unseenKind(c: string): string | undefined {
  return UNSEEN_KINDS.find(([category]) => category.test(c))?.[1];
}

/** Why a number label is refused, by lossless-json's reason: what JSON.parse made of the number. */
const LOSSY_NUMBER: Record<ReturnType<typeof getUnsafeNumberReason> & string, string> = {
  overflow: 'is too large for a JSON number',
  underflow: 'is too small for a JSON number',
  truncate_integer: 'has more digits than a JSON number holds',
  truncate_float: 'has more digits than a JSON number holds',
};

/**
 * How the number `value` that JSON.parse read as member `key` of the object on line `raw` is written there (read
 * again with lossless-json, which keeps it), and what parsing lost of it ({@link LOSSY_NUMBER}, then `(it reads as
 * Infinity)`: out of range, or more digits than a double holds); `lost` is undefined when it read exactly.
 */
function numberAsWritten(raw: string, key: string, value: number): { written: string; lost?: string } {
  const member = (parseLossless(raw) as Record<string, unknown>)[key];
  const written = isLosslessNumber(member) ? member.value : String(value);
  const reason = getUnsafeNumberReason(written);
  return { written, lost: reason ? `${LOSSY_NUMBER[reason]} (it reads as ${String(value)})` : undefined };
}

/**
 * The name of the number label `value` that JSON.parse read from line `raw`: its text as written (read again with
 * lossless-json, which keeps it), once that text is known to be the number's own form, `String(value)` — `1`,
 * `2.5`, `-12`, `1e+21` pass.
 * @throws DatasetError naming the label as written and asking for a string when parsing lost part of it: more
 *   digits than a double holds (12345678901234567890, 0.1000000000000000055511151231257827), out of range (1e400,
 *   1e-400), or the sign of zero (-0, which would be the class of 0); or when it is another form of its number
 *   (`10.0`, `1e1`, `2.50`: `10.0` and `10` would be one class), then also offering the number's own form.
 */
function numberLabelName(raw: string, value: number, path: string, line: number): string {
  const { written, lost } = numberAsWritten(raw, 'label', value);
  const canonical = String(value);
  const problem =
    lost ??
    (Object.is(value, -0)
      ? 'reads as 0 (a JSON number loses the sign of zero)'
      : written !== canonical
        ? `is another way of writing the number ${canonical}`
        : undefined);
  if (problem === undefined) return canonical;
  const asNumber = lost || Object.is(value, -0) ? '' : `, or as the number ${canonical}`;
  throw new DatasetError(path, `label ${written} ${problem}, so two different labels could become one class: write it as a string, "label": ${JSON.stringify(written)}${asNumber}`, line);
}

/**
 * JSON.parse's reason without the raw snippet of the line V8 puts in it (`Unexpected token 'x', "xyz…"... is not
 * valid JSON`), which may hold any bytes: the token is echoed escaped instead, and the line by the caller. V8's
 * other JSON messages hold no text of the line, only a position (`… in JSON at position 13`), and are kept.
 */
function jsonErrorReason(err: Error): string {
  const token = /^Unexpected token '([\s\S]+?)', [\s\S]* is not valid JSON$/u.exec(err.message);
  return token ? `unexpected character ${echoJson(token[1]!)}` : err.message;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${typeof value === 'string' ? echoJson(value) : JSON.stringify(value)}`;
}
