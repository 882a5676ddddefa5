/**
 * Parsing a config file's YAML (the `yaml` library, YAML 1.2 core schema, plus YAML 1.1 merge keys: `<<: *anchor`
 * copies an anchored mapping's fields, and fields written beside it override them) into plain data, keeping what
 * validation needs from the source: where each syntax error is, and every number as written and where (`1e3`, `0x10`,
 * `0o7`, `+5`, `5.0` all read as integers, so that an integer field can refuse them; 12345678901234567890 reads as
 * 12345678901234567000, so that an error echoes what was written, not the rounded number), aliases and merge keys
 * resolved by src/core/config-yaml-values.ts.
 * A file of several YAML documents, and a value tagged as something a config cannot hold (`!!binary`, `!!set`,
 * `!!timestamp`, a custom `!tag`), are refused here, saying what to write instead.
 */
import { isScalar, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { resolvedValues, type WrittenNumber } from './config-yaml-values';
import { echoValue } from './echo-value';
import { ConfigError, YamlSyntaxError } from './errors';

/** The tags of what a config holds: JSON's strings, numbers, booleans, null, lists and mappings. */
const PLAIN_TAGS = ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`);
/** The YAML error code of a second document (a second `---`). */
const MULTIPLE_DOCS = 'MULTIPLE_DOCS';

/**
 * The parsed data of a config file but its top-level `x-…` fields (anchors for the others to copy), and its
 * {@link WrittenNumber}s, in the order of its fields (aliases and merge keys resolved).
 */
export interface ParsedConfigYaml {
  readonly raw: unknown;
  readonly numbers: readonly WrittenNumber[];
}

/**
 * Parses `text`, the contents of `file` (named in errors).
 * @throws YamlSyntaxError `FILE:LINE:COL: invalid YAML: reason` at the first syntax error (a duplicate key included,
 *   and a second document, as a config is one); an error at the end of the input is placed just after the last
 *   character of the last line with text; at an alias or merge key that cannot be resolved ({@link resolvedValues}:
 *   an alias with no anchor before it, two merge keys in one mapping, a "billion laughs" file …). ConfigError naming the field and `FILE:LINE:COL` for a value with a tag
 *   other than JSON's kinds (`!!binary` …).
 */
export function parseConfigYaml(file: string, text: string): ParsedConfigYaml {
  const lineCounter = new LineCounter();
  // merge: `<<: *defaults` (or `<<: [*a, *b]`) as docker-compose files use it; without it `<<` is a plain key,
  // refused as an unknown field.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const [error] = doc.errors;
  if (error) {
    // An error at the end of the input (a flow map missing its `}`) is reported at the end of the last line with
    // text, not on the line past the file's final newline(s).
    const { line, col } = lineCounter.linePos(Math.min(error.pos[0], text.replace(/[\r\n]+$/, '').length));
    const reason = error.code === MULTIPLE_DOCS ? 'a second YAML document starts here (a `---` line after content): a run config is one document; remove this `---`, or put each config in its own file' : error.message;
    throw new YamlSyntaxError(file, line, col, reason, { cause: error });
  }
  const refuseTag = (node: Node, ancestors: readonly unknown[]) => {
    if (node.tag === undefined || PLAIN_TAGS.includes(node.tag)) return;
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    const tag = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
    throw new ConfigError(
      pathOf(ancestors, node).join('.'),
      `has the YAML tag ${echoValue(tag)} (${file}:${line}:${col}), which a config cannot hold: a config holds text, numbers, booleans, lists and mappings; remove the tag and write the value as plain text`,
    );
  };
  visit(doc, {
    Collection(_key, node, ancestors) {
      refuseTag(node, ancestors);
    },
    Scalar(_key, node, ancestors) {
      refuseTag(node, ancestors);
    },
  });
  return resolvedValues(file, doc, lineCounter);
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
