/** Field builders the run config's section schemas share (zod only): units and minimums in their error messages. */
import { z } from 'zod';

/** A timing field: an integer of at least `min` `unit`s, whose error names the minimum and `why`. */
export const timing = (min: number, unit: 'ms' | 's', why: string) => z.number().int().min(min, `must be at least ${min} ${unit}: ${why}`);

/** An integer ≥ 1. */
export const positiveInt = z.number().int().positive();
/** An integer ≥ 0. */
export const nonNegativeInt = z.number().int().nonnegative();
/** A number > 0. */
export const positive = z.number().positive();
