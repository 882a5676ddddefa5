/**
 * The integer fields of a zod schema, found by their path, and the range each takes (zod 4's schema definitions, no
 * parsing).
 */
import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  checks?: Array<{ _zod: { def: { check: string; value?: number; inclusive?: boolean } } }>;
}

/**
 * The integer schema (`z.number().int()`) that `path` (e.g. `['training', 'maxSteps']`,
 * `['kubernetes', 'gpu', 'tolerations', 0, 'tolerationSeconds']`) leads to through `schema`'s objects, arrays and
 * records, past defaults, optionals and pipes; undefined for any other field or a path the schema does not have.
 */
function integerSchemaAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): z.ZodNumber | undefined {
  let at: z.ZodType | undefined = schema;
  let i = 0;
  while (at) {
    const def = at._zod.def as unknown as Def;
    if (def.innerType) at = def.innerType;
    else if (def.type === 'pipe') at = def.in;
    else if (i === path.length) return def.type === 'number' && (at as z.ZodNumber).isInt === true ? (at as z.ZodNumber) : undefined;
    else if (def.type === 'object') at = def.shape?.[String(path[i++])];
    else if (def.type === 'array') (at = def.element), i++;
    else if (def.type === 'record') (at = def.valueType), i++;
    else if (def.type === 'union') return def.options!.map((o) => integerSchemaAt(o, path.slice(i))).find((n) => n !== undefined);
    else return undefined;
  }
  return undefined;
}

/** Whether `path` leads through `schema` to an integer field (`z.number().int()`); see {@link integerRange}. */
export function isIntegerField(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): boolean {
  return integerSchemaAt(schema, path) !== undefined;
}

/**
 * The least and greatest integer the integer field at `path` of `schema` takes, both inclusive: its `min`/`max`/
 * `positive` … bounds within zod's safe integers (±(2^53-1)), an exclusive bound made inclusive (`positive()` → 1).
 * Undefined when `path` is not an integer field ({@link isIntegerField}).
 */
export function integerRange(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): readonly [number, number] | undefined {
  const field = integerSchemaAt(schema, path);
  if (!field) return undefined;
  let [least, greatest] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  for (const { _zod } of (field._zod.def as unknown as Def).checks ?? []) {
    const { check, value, inclusive } = _zod.def;
    if (check === 'greater_than') least = Math.max(least, inclusive ? Math.ceil(value!) : Math.floor(value!) + 1);
    if (check === 'less_than') greatest = Math.min(greatest, inclusive ? Math.floor(value!) : Math.ceil(value!) - 1);
  }
  return [least, greatest];
}
