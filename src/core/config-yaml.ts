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
import { isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { keyName, resolvedValues, shortTag, type WrittenScalar } from './config-yaml-values';
import { echoJson, echoValue } from './echo-value';
import { ConfigError, YamlSyntaxError } from './errors';

/** The tags of what a config holds: JSON's strings, numbers, booleans, null, lists and mappings. */
const PLAIN_TAGS = ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`);
/** The YAML error code of a second document (a second `---`). */
const MULTIPLE_DOCS = 'MULTIPLE_DOCS';
/** The YAML error code of a key given twice in one mapping. */
const DUPLICATE_KEY = 'DUPLICATE_KEY';

/**
 * The parsed data of a config file but its top-level `x-…` fields (anchors for the others to copy), and its
 * {@link WrittenScalar}s, in the order of its fields (aliases and merge keys resolved).
 */
export interface ParsedConfigYaml {
  readonly raw: unknown;
  readonly scalars: readonly WrittenScalar[];
}

/**
 * Parses `text`, the contents of `file` (named in errors).
 * @throws YamlSyntaxError `FILE:LINE:COL: invalid YAML: reason` at the first syntax error (a key given twice in one
 *   mapping included, at the second, naming the key and where both are: `1` and `"1"` count as one key, as both name
 *   the field "1"; and a second document, as a config is one); an error at the end of the input is placed just after
 *   the last character of the last line with text; at an alias or merge key that cannot be resolved ({@link resolvedValues}:
 *   an alias with no anchor before it, two merge keys in one mapping, a "billion laughs" file …). ConfigError naming the field and `FILE:LINE:COL` for a value with a tag
 *   other than JSON's kinds (`!!binary` …).
 */
export function parseConfigYaml(file: string, text: string): ParsedConfigYaml {
  const lineCounter = new LineCounter();
  // merge: `<<: *defaults` (or `<<: [*a, *b]`) as docker-compose files use it; without it `<<` is a plain key,
  // refused as an unknown field.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: sameKey, merge: true });
  const [error] = doc.errors;
  if (error) {
    // An error at the end of the input (a flow map missing its `}`) is reported at the end of the last line with
    // text, not on the line past the file's final newline(s).
    const { line, col } = lineCounter.linePos(Math.min(error.pos[0], text.replace(/[\r\n]+$/, '').length));
    const reason =
      error.code === MULTIPLE_DOCS
        ? 'a second YAML document starts here (a `---` line after content): a run config is one document; remove this `---`, or put each config in its own file'
        : error.code === DUPLICATE_KEY
          ? (duplicateKeyReason(file, doc, lineCounter, error.pos[0]) ?? error.message)
          : error.message;
    throw new YamlSyntaxError(file, line, col, reason, { cause: error });
  }
  const refuseTag = (node: Node, ancestors: readonly unknown[]) => {
    if (node.tag === undefined || PLAIN_TAGS.includes(node.tag)) return;
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    const tag = shortTag(node.tag);
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
  return resolvedValues(file, text, doc, lineCounter);
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

/**
 * Whether two keys of one mapping name the same field (yaml's `uniqueKeys`): the same node, or scalars of the same
 * {@link keyName}. Merge keys `<<` are left to src/core/config-yaml-values.ts, which names both.
 */
function sameKey(a: unknown, b: unknown): boolean {
  const name = keyName(a);
  return a === b || (name !== undefined && name === keyName(b));
}

/**
 * Why the key yaml's duplicate-key error at offset `at` of `doc` points at (the start of the key, its anchor or tag
 * included) is refused: `the key "maxSteps" is given twice in one mapping (first at FILE:7:3, again at FILE:8:3): …`.
 * That key is the first key at or after `at` that repeats an earlier key of its mapping ({@link sameKey}).
 * Undefined when there is none.
 */
function duplicateKeyReason(file: string, doc: Document, lineCounter: LineCounter, at: number): string | undefined {
  let found: { readonly first: Node; readonly again: Node; readonly start: number } | undefined;
  visit(doc, {
    Map(_key, map) {
      const firstOf = new Map<string, Node>();
      for (const { key } of map.items) {
        const name = keyName(key);
        if (!isScalar(key) || name === undefined) continue;
        const first = firstOf.get(name);
        if (!first) firstOf.set(name, key);
        else if (key.range && key.range[0] >= at && (!found || key.range[0] < found.start)) found = { first, again: key, start: key.range[0] };
      }
    },
  });
  if (!found) return undefined;
  const where = (node: Node) => {
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    return `${file}:${line}:${col}`;
  };
  return `the key ${echoJson(keyName(found.again))} is given twice in one mapping (first at ${where(found.first)}, again at ${where(found.again)}): give each key once`;
}
