/** Whether a field of a zod schema is an integer field, found by its path (zod 4's schema definitions, no parsing). */
import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

/**
 * Whether `path` (e.g. `['training', 'maxSteps']`, `['kubernetes', 'gpu', 'tolerations', 0, 'tolerationSeconds']`)
 * leads through `schema`'s objects, arrays and records, past defaults, optionals and pipes, to an integer
 * (`z.number().int()`); false for any other field or a path the schema does not have.
 */
export function isIntegerField(schema: z.ZodType, path: ReadonlyArray<string | number>): boolean {
  let at: z.ZodType | undefined = schema;
  let i = 0;
  while (at) {
    const def = at._zod.def as unknown as Def;
    if (def.innerType) at = def.innerType;
    else if (def.type === 'pipe') at = def.in;
    else if (i === path.length) return def.type === 'number' && (at as z.ZodNumber).isInt === true;
    else if (def.type === 'object') at = def.shape?.[String(path[i++])];
    else if (def.type === 'array') (at = def.element), i++;
    else if (def.type === 'record') (at = def.valueType), i++;
    else if (def.type === 'union') return def.options!.some((o) => isIntegerField(o, path.slice(i)));
    else return false;
  }
  return false;
}
