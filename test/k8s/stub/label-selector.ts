/**
 * Label selectors as the API server parses them from `?labelSelector=` (equality- and set-based:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`), for the stub's list, watch and delete.
 */

type Requirement = (labels: Record<string, string>) => boolean;

/** Splits on commas outside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function requirement(term: string): Requirement {
  let m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
  if (m) {
    const [, key, op, list] = m;
    const values = new Set(list!.split(',').map((v) => v.trim()));
    return op === 'in' ? (l) => l[key!] !== undefined && values.has(l[key!]!) : (l) => l[key!] === undefined || !values.has(l[key!]!);
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (m) {
    const [, key, op, value] = m;
    return op === '!=' ? (l) => l[key!] !== value : (l) => l[key!] === value;
  }
  if (term.startsWith('!')) return (l) => l[term.slice(1)] === undefined;
  if (/^\S+$/.test(term)) return (l) => l[term] !== undefined;
  throw new Error(`unparsable label selector term ${JSON.stringify(term)}`);
}

/**
 * A predicate over an object's labels; the empty selector matches everything.
 * @throws Error for a selector the API server would reject.
 */
export function parseLabelSelector(selector: string | null | undefined): (labels: Record<string, string> | undefined) => boolean {
  const reqs = terms(selector ?? '').map(requirement);
  return (labels) => reqs.every((r) => r(labels ?? {}));
}
