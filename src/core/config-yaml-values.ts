/**
 * The plain data of a parsed config YAML document, as `doc.toJS()` builds them (an alias's value where the alias is,
 * the fields a merge key `<<: *t` copies where they land), and every scalar in them (a number, a string, a boolean,
 * null) as written, with where it is written and, for a value an alias or a merge key brought to its field, where
 * that alias is: so that the same checks apply to a value wherever it comes from (`maxSteps: *n` with `&n 1e3` is
 * refused as `maxSteps: 1e3` is), and an error echoes the value as written, at its place.
 * An alias with no anchor before it, two merge keys in one mapping, a merge key's value that is not a mapping, an
 * alias inside the value it names, and aliases that expand to more than {@link MAX_ALIAS_EXPANSION} values (a
 * "billion laughs" file) are refused, at their place.
 * Top-level fields named `x-…` are left out, and what they hold is built only where an alias elsewhere brings it:
 * they hold YAML anchors for the config's fields to copy (`x-small: &small { cpu: '1' }`, then `requests: *small`),
 * as in docker-compose files, and are not part of the config (90,000 aliases in one were expanded, then dropped).
 */
import { isAlias, isMap, isNode, isScalar, isSeq, visit, type Alias, type Document, type LineCounter, type Node, type Scalar, type YAMLMap } from 'yaml';
import { echoValue } from './echo-value';
import { YamlSyntaxError } from './errors';

/**
 * Most values that aliases may add to a config as they expand (each value an alias brings counts, nested ones
 * included): 100,000. A run config holds a few hundred values; nine anchors of nine aliases each (a "billion laughs"
 * file, under 1 KB) would expand to 387 million, and take the memory and time of every step that reads the config.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/** A place in the file: 1-based line and column. */
export interface FilePosition {
  readonly line: number;
  readonly column: number;
}

/** A scalar of the file (a number, a string, a boolean, null) as written, with where it is (1-based line and column). */
export interface WrittenScalar {
  /** Field path of the value, e.g. `['training', 'maxSteps']` or `['evaluation', 'baselines', 0]`. */
  readonly path: ReadonlyArray<string | number>;
  /**
   * The value as written in the file, quotes included, after its tag in short form where it has one: `1e3`, `"10"`,
   * `1_000`, `!!float 6`.
   */
  readonly source: string;
  /** The scalar's text as the yaml library read it, without tag or quotes: `1e3`, `10` (of `"10"` or `!!int "10"`). */
  readonly text: string;
  /** The value as read: 1000 (of `1e3`), `"10"` (of `"10"`), `"6"` (of `!!float 6`, which the yaml library leaves a string), true, null. */
  readonly value: unknown;
  /** Where the value is written: at its anchor (`&n 1e3`) when an alias brought it to `path`. */
  readonly line: number;
  readonly column: number;
  /**
   * Where the alias that brought the value to `path` is (`*n`, or the `*t` of a merge key `<<: *t`), when the value
   * is not written at `path` itself: the outermost such alias, the one met first from the top of the config.
   */
  readonly alias?: FilePosition;
}

/**
 * Where `n` is written in `file`, for an error: `FILE:LINE:COL`, followed by `, through the alias at FILE:LINE:COL`
 * when an alias brought it to its field.
 */
export function writtenAt(file: string, n: WrittenScalar): string {
  const through = n.alias ? `, through the alias at ${file}:${n.alias.line}:${n.alias.column}` : '';
  return `${file}:${n.line}:${n.column}${through}`;
}

/** A YAML tag in the short form a file writes it (`!!float` for `tag:yaml.org,2002:float`); another tag as it is. */
export function shortTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, '!!');
}

/**
 * The plain data of `doc` (parsed from `text`, the contents of `file`, without errors, its lines counted by
 * `lineCounter`) but its top-level `x-…` fields, and its {@link WrittenScalar}s, in the order of its fields.
 * @throws YamlSyntaxError `FILE:LINE:COL: invalid YAML: reason` at an alias `*name` with no anchor `&name` before it,
 *   a second merge key `<<` in one mapping, a merge key's value that is not a mapping, an alias inside the value it
 *   names, the outermost alias whose expansion passes {@link MAX_ALIAS_EXPANSION}, or a key that is a list or a mapping.
 */
export function resolvedValues(file: string, text: string, doc: Document, lineCounter: LineCounter): { readonly raw: unknown; readonly scalars: readonly WrittenScalar[] } {
  // Each alias's anchored node, found in one pass (yaml's Alias.resolve walks the whole document for each alias, and
  // its toJS the list of every anchor and alias before it: minutes for a file of 100,000 aliases).
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  const anchor = (node: Node) => {
    if (node.anchor !== undefined) anchors.set(node.anchor, node);
  };
  visit(doc, {
    Alias(_key, node) {
      const target = anchors.get(node.source);
      if (target) return void targets.set(node, target);
      const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
      throw new YamlSyntaxError(file, line, col, `the alias *${echoValue(node.source)} names no anchor: set &${echoValue(node.source)} on a value before this alias (an anchor must come before its aliases), or fix the alias's spelling`);
    },
    Collection(_key, node) {
      anchor(node);
    },
    Scalar(_key, node) {
      anchor(node);
    },
  });
  const walk: Walk = { file, text, lineCounter, targets, scalars: [], expanded: 0, open: new Set() };
  return { raw: collect(walk, doc.contents, [], undefined), scalars: walk.scalars };
}

/** The state of {@link collect}'s walk through a document. */
interface Walk {
  readonly file: string;
  /** The contents of `file`. */
  readonly text: string;
  readonly lineCounter: LineCounter;
  /** The node each alias names: the last node before it with its anchor, as YAML says. */
  readonly targets: ReadonlyMap<Alias, Node>;
  /** The scalars found so far, in the order of the config's fields. */
  readonly scalars: WrittenScalar[];
  /** How many values aliases have brought so far. */
  expanded: number;
  /** The anchored values being expanded, to refuse an alias inside the value it names. */
  readonly open: Set<Node>;
}

/** Where `node` starts. */
function positionOf(walk: Walk, node: Node): FilePosition {
  const { line, col } = walk.lineCounter.linePos(node.range?.[0] ?? 0);
  return { line, column: col };
}

/** A YamlSyntaxError at `node`. */
function syntaxError(walk: Walk, node: Node, reason: string): YamlSyntaxError {
  const { line, column } = positionOf(walk, node);
  return new YamlSyntaxError(walk.file, line, column, reason);
}

/**
 * The plain data of `node`, at `path` of the config, as `doc.toJS()` builds them (an alias's value where the alias
 * is, the fields `<<: *t` copies where they land: a copy for each alias), recording its scalars as written.
 * `alias` is where the outermost alias that brought `node` here is, undefined where `node` is written at `path`.
 */
function collect(walk: Walk, node: unknown, path: ReadonlyArray<string | number>, alias: FilePosition | undefined): unknown {
  if (alias) expand(walk, alias);
  if (isAlias(node)) return resolving(walk, node, (target) => collect(walk, target, path, alias ?? positionOf(walk, node)));
  if (isSeq(node)) return node.items.map((item, i) => collect(walk, item, [...path, i], alias));
  if (isMap(node)) {
    const fields = [...fieldsOf(walk, node, alias)].filter(([key]) => path.length > 0 || !key.startsWith('x-'));
    return Object.fromEntries(fields.map(([key, field]) => [key, collect(walk, field.value, [...path, key], field.alias)]));
  }
  if (!isScalar(node)) return null;
  // An empty value (`maxSteps:`) has no text to echo: an error shows it as null.
  const written = node.range ? walk.text.slice(node.range[0], node.range[1]) : '';
  if (written !== '' && node.source !== undefined) {
    const source = `${node.tag === undefined ? '' : `${shortTag(node.tag)} `}${written}`;
    walk.scalars.push({ path, source, text: node.source, value: node.value, ...positionOf(walk, node), ...(alias && { alias }) });
  }
  return node.value;
}

/**
 * Counts one value an alias brought, the outermost such alias being at `alias`.
 * @throws YamlSyntaxError at `alias` once the count passes {@link MAX_ALIAS_EXPANSION}.
 */
function expand(walk: Walk, alias: FilePosition): void {
  if (++walk.expanded <= MAX_ALIAS_EXPANSION) return;
  throw new YamlSyntaxError(
    walk.file,
    alias.line,
    alias.column,
    `the aliases expand the config to more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values by this one (anchors of many aliases each, as a "billion laughs" file): a run config holds a few hundred values; write them out, or use fewer aliases`,
  );
}

/** `then` of the node the alias `node` names, refusing an alias inside that node (a loop). */
function resolving<T>(walk: Walk, node: Alias, then: (target: Node) => T): T {
  const target = walk.targets.get(node)!;
  if (walk.open.has(target)) {
    throw syntaxError(walk, node, `the alias *${echoValue(node.source)} is inside the value its anchor &${echoValue(node.source)} names, so that value would hold itself without end: remove the alias, or anchor a value that does not hold it`);
  }
  walk.open.add(target);
  const result = then(target);
  walk.open.delete(target);
  return result;
}

/**
 * The name of the field a mapping's key gives: a scalar key's value as a string (`1` and `"1"` both `"1"`, as
 * `doc.toJS()` makes them), `''` for no key or a null one; undefined for a merge key `<<` or a key that is not a scalar.
 */
export function keyName(key: unknown): string | undefined {
  if (key === null || key === undefined) return '';
  if (!isScalar(key) || typeof key.value === 'symbol') return undefined;
  return String(key.value ?? '');
}

/** A field of a mapping: its value's node, and where the alias that brought it is ({@link collect}'s `alias`). */
interface Field {
  readonly value: unknown;
  readonly alias: FilePosition | undefined;
}

/**
 * The fields of the mapping `map` once its merge key is resolved, in `doc.toJS()`'s order: its own fields, and where
 * its merge key `<<` is, the fields of the mappings it names that are not there yet (the first of them holding a
 * field wins; an own field written after the merge key replaces a merged one). An empty key is named `''`, and an
 * alias key `*k` by its anchored scalar.
 * @throws YamlSyntaxError at a key that is a list or a mapping (a config's keys are names), or at a second merge key.
 */
function fieldsOf(walk: Walk, map: YAMLMap, alias: FilePosition | undefined): Map<string, Field> {
  const fields = new Map<string, Field>();
  let mergeKey: Node | undefined;
  for (const { key: written, value } of map.items) {
    // A merged mapping's fields are counted as they are read, not only as they are collected: mappings merging
    // mappings that merge others would otherwise be read exponentially many times for one field collected.
    if (alias) expand(walk, alias);
    const key = isAlias(written) ? walk.targets.get(written) : written;
    if (key !== null && !isScalar(key)) throw syntaxError(walk, written as Node, 'a key here is a list or a mapping: a config\'s keys are names');
    const name = keyName(key);
    if (name !== undefined) {
      fields.set(name, { value, alias });
      continue;
    }
    // A scalar key with no name: a merge key.
    const merge = key as Scalar;
    if (mergeKey) {
      const { line, column } = positionOf(walk, mergeKey);
      throw syntaxError(walk, merge, `a second merge key << in this mapping (the first is at line ${line}, column ${column}): merge several mappings with one key and a list, \`<<: [*a, *b]\` (the earlier mapping's fields win)`);
    }
    mergeKey = merge;
    forEachMergeSource(walk, merge, value, alias, (source, at) => {
      for (const [name, field] of fieldsOf(walk, source, at)) if (!fields.has(name)) fields.set(name, field);
    });
  }
  return fields;
}

/**
 * Calls `then` with each mapping the merge key `key`'s `value` names (a mapping, an alias of one, or a list of
 * them), and where the alias that brought it is.
 * @throws YamlSyntaxError where a source that is not a mapping is written (the alias naming it, or `key` when it
 *   has no value; yaml's own error has no place).
 */
function forEachMergeSource(walk: Walk, key: Node, value: unknown, alias: FilePosition | undefined, then: (source: YAMLMap, alias: FilePosition | undefined) => void): void {
  const one = (node: unknown, written: Node, at: FilePosition | undefined, inList: boolean): void => {
    if (isAlias(node)) return resolving(walk, node, (target) => one(target, written, at ?? positionOf(walk, node), inList));
    if (isMap(node)) return then(node, at);
    if (isSeq(node) && !inList) return node.items.forEach((item) => one(item, isNode(item) ? item : written, at, true));
    throw syntaxError(walk, written, 'a merge key << takes a mapping, an alias of one (*name) or a list of them (`<<: [*a, *b]`), not a scalar, nothing or a list of lists');
  };
  one(value, isNode(value) ? value : key, alias, false);
}
