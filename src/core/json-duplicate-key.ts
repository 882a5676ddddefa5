/**
 * Finding a key written twice in one JSON object, which JSON.parse accepts silently, keeping the last value
 * (`{"label": "x", "label": "y"}` reads as `{"label": "y"}`).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Whether `code` is JSON whitespace (space, tab, line feed, carriage return). */
function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The first key that an object of `json` holds twice, at any depth, as JSON.parse reads it (`"label"` and
 * `"\u006cabel"` are the same key), whatever the two values; undefined when there is none.
 * @param json valid JSON (JSON.parse accepted it): the scan does not check the syntax.
 */
export function duplicateJsonKey(json: string): string | undefined {
  // The keys seen in each open object, innermost last; null for an open array.
  const open: Array<Set<string> | null> = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let end = i + 1;
      while (json.charCodeAt(end) !== QUOTE) end += json.charCodeAt(end) === BACKSLASH ? 2 : 1;
      const literal = json.slice(i, end + 1);
      i = end;
      let next = end + 1;
      while (isJsonSpace(json.charCodeAt(next))) next++;
      if (json.charCodeAt(next) !== COLON) continue;
      const key = JSON.parse(literal) as string;
      const keys = open[open.length - 1]!;
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
}
