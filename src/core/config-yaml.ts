/**
 * Parsing a config file's YAML (the `yaml` library, YAML 1.2 core schema) into plain data, keeping what
 * validation needs from the source: where each syntax error is, and which numbers were not written as decimal
 * digits (`1e3`, `0x10`, `0o7`, `+5`, `5.0` all read as integers), so that an integer field can refuse them.
 */
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { YamlSyntaxError } from './errors';

/** An integral number written in another form than decimal digits, with where it is (1-based line and column). */
export interface NonDecimalInteger {
  /** Field path of the value, e.g. `['training', 'maxSteps']` or `['evaluation', 'baselines', 0]`. */
  readonly path: ReadonlyArray<string | number>;
  /** The value as written, e.g. `1e3`. */
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

/** The parsed data of a config file and its {@link NonDecimalInteger}s. */
export interface ParsedConfigYaml {
  readonly raw: unknown;
  readonly nonDecimalIntegers: readonly NonDecimalInteger[];
}

/**
 * Parses `text`, the contents of `file` (named in errors).
 * @throws YamlSyntaxError `FILE:LINE:COL: invalid YAML: reason` at the first syntax error (a duplicate key included);
 *   an error at the end of the input is placed just after the last character of the last line with text.
 */
export function parseConfigYaml(file: string, text: string): ParsedConfigYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error] = doc.errors;
  if (error) {
    // An error at the end of the input (a flow map missing its `}`) is reported at the end of the last line with
    // text, not on the line past the file's final newline(s).
    const { line, col } = lineCounter.linePos(Math.min(error.pos[0], text.replace(/[\r\n]+$/, '').length));
    throw new YamlSyntaxError(file, line, col, error.message, { cause: error });
  }
  const nonDecimalIntegers: NonDecimalInteger[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'number' || !Number.isInteger(node.value) || node.source === undefined) return;
      if (/^-?[0-9]+$/.test(node.source)) return;
      const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
      nonDecimalIntegers.push({ path: pathOf(ancestors, node), source: node.source, line, column: col });
    },
  });
  return { raw: doc.toJS(), nonDecimalIntegers };
}

/** The field path of `node` from its ancestors (document, maps and pairs, sequences). */
function pathOf(ancestors: readonly unknown[], node: unknown): Array<string | number> {
  const path: Array<string | number> = [];
  const chain = [...ancestors, node];
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1] as { items?: unknown[]; key?: unknown };
    const child = chain[i];
    if (Array.isArray(parent.items) && !('key' in (child as object))) path.push(parent.items.indexOf(child));
    else if ('key' in (parent as object) && child === (parent as { value?: unknown }).value) {
      const key = parent.key;
      path.push(isScalar(key) ? String(key.value) : String(key));
    }
  }
  return path;
}
