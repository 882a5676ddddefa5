/** Field builders the run config's section schemas share (zod only): units and minimums in their error messages. */
import { z } from 'zod';
import type { core } from 'zod';
import { echoJson } from './echo-value';
import { expectedInWords } from './expected-in-words';
import { integerRange } from './integer-field';
import { pathLengthProblem } from './path-limits';
import { orList } from './registry';

/**
 * `params` of a custom issue whose message names the bad value itself, as it may be shown (a NATS server with its
 * password as `…`): parseRunConfig (src/core/config.ts) adds no `(got …)` to it, which would echo the value whole.
 */
export const NAMES_ITS_VALUE = { namesItsValue: true } as const;

/**
 * Longest duration a timer may wait in Node: 2^31-1 ms (about 24.8 days); `setTimeout` fires at once, with a
 * warning, for a longer one. Every millisecond field and flag is bounded by it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** {@link MAX_TIMER_MS} in whole seconds (2,147,483 s), the bound of every seconds field and flag. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/**
 * Most fine-tuning steps of an adaptation: `evaluation.adaptSteps`, `metatrain adapt --max-steps` (0 = none) and
 * the inner loop of meta-training, `algorithm.innerSteps`.
 */
export const MAX_ADAPT_STEPS = 10_000;
/**
 * Most optimizer steps of a training loop (`training.maxSteps`, `evaluation.transferSteps`, `pretraining.steps`,
 * the compression job's steps), and the bound of every field counted in steps (`training.evalEverySteps`,
 * `patience`, `checkpointEverySteps`, `keepCheckpoints`).
 */
export const MAX_TRAINING_STEPS = 10_000_000;
/**
 * Most tasks of one meta-batch (`algorithm.metaBatchSize`) and of one aggregation group (`runtime.aggregationGroup`):
 * 512 workers running 128 tasks each. A meta-batch is held whole by the coordinator (a billion tasks ran it out of memory).
 */
export const MAX_META_BATCH_TASKS = 65_536;
/**
 * Most tasks of one evaluation (`training.evalTasks`, `evaluation.testTasks`, `compression.evalTasks`); few-shot
 * benchmarks report 600 to 10,000 (100,000,000,000 failed after training with "Invalid array length").
 */
export const MAX_EVALUATION_TASKS = 100_000;

/**
 * A timing field: an integer of at least `min` `unit`s, whose error names the minimum and `why`, and at most
 * {@link MAX_TIMER_MS} ms ({@link MAX_TIMER_SECONDS} s), whose error names that bound.
 */
export const timing = (min: number, unit: 'ms' | 's', why: string) => {
  const max = unit === 'ms' ? MAX_TIMER_MS : MAX_TIMER_SECONDS;
  return z
    .number()
    .int()
    .min(min, `must be at least ${min} ${unit}: ${why}`)
    .max(max, `must be at most ${max} ${unit} (2^31-1 ms, about 24.8 days: the longest a Node timer waits)`);
};

/**
 * `n` in en-US digits (`10,000,000`), as the bounds in the config's messages are written. One formatter for all
 * (`toLocaleString` builds one per call: 3 s for the messages of a list of 90,000 bad entries).
 */
const digits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 }).format;

/**
 * A list of at most `max` distinct strings (`what` names its entries, e.g. `baselines` or `text files`). A longer list is
 * refused by its length alone, with one message, before any entry is read: `must hold at most 6 baselines, got
 * 90,000` (one message per entry of a list of 90,000 took seconds to build and megabytes to print). A repeated entry
 * is refused, naming it (at its second position).
 */
export const distinctStrings = <T extends z.ZodType<string>>(item: T, max: number, what: string) =>
  z
    .array(z.unknown())
    .superRefine((list, ctx) => {
      // Aborts: no check of the config (a rule across fields) then reads the entries, which were never validated.
      if (list.length > max) ctx.addIssue({ code: 'custom', message: `must hold at most ${digits(max)} ${what}, got ${digits(list.length)}`, continue: false });
    })
    .pipe(
      z.array(item).superRefine((list, ctx) => {
        const first = new Map<string, number>();
        list.forEach((entry, i) => {
          const at = first.get(entry);
          if (at === undefined) first.set(entry, i);
          else ctx.addIssue({ code: 'custom', path: [i], message: `duplicate entry: got ${echoJson(entry)} again (first at index ${at})` });
        });
      }),
    );

/**
 * A file system path field: non-empty (an empty one is refused with `must not be empty: ${whenEmpty}`, what to write
 * instead), at most 4096 bytes, no component over 255 bytes (src/core/path-limits.ts).
 */
export const pathField = (whenEmpty: string) =>
  z
    .string()
    .min(1, `must not be empty: ${whenEmpty}`)
    .superRefine((path, ctx) => {
      const problem = pathLengthProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: `the path ${problem}` });
    });

/** A file system path ({@link pathField}); an empty one is told to name a path or leave the field out. */
export const pathString = pathField('give a path, or leave the field out');

/** An integer ≥ 1. */
export const positiveInt = z.number().int().positive();
/** An integer ≥ 0. */
export const nonNegativeInt = z.number().int().nonnegative();
/** A number > 0. */
export const positive = z.number().positive();

/**
 * For a zod error map: the message of an integer field of `schema` whose value is not a number, not whole, or out of
 * the field's range, when the field gives no message of its own: `must be an integer in [1, 10,000,000]`, the range
 * {@link integerRange} reads from the schema. One message for any of these, so that a value that breaks several
 * checks of the field (1e23 is over both 2^53-1 and 10,000,000) reads the same whichever it is. Undefined for an
 * issue of another kind or at another field.
 */
export function integerFieldMessage(schema: z.ZodType, issue: core.$ZodRawIssue): string | undefined {
  const numeric = issue.code === 'invalid_type' ? issue.expected === 'int' || issue.expected === 'number' : (issue.code === 'too_big' || issue.code === 'too_small') && (issue.origin === 'number' || issue.origin === 'int');
  const range = numeric ? integerRange(schema, issue.path ?? []) : undefined;
  return range && `must be an integer in [${digits(range[0])}, ${digits(range[1])}]`;
}

/**
 * A zod error map (pass it to `safeParse(raw, { error })`) that words a number's bound as the config's messages do:
 * `must be at most 10,000,000`, `must be at least 1`, `must be less than 1`, `must be greater than 0` (bounds in
 * en-US digits). A field whose schema gives its own message keeps it; any other issue keeps zod's wording
 * (undefined).
 */
export function numberBoundMessage(issue: core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'too_big' && issue.code !== 'too_small') return undefined;
  if (issue.origin !== 'number' && issue.origin !== 'int') return undefined;
  const big = issue.code === 'too_big';
  const bound = digits(Number(big ? issue.maximum : issue.minimum));
  const words = big ? (issue.inclusive ? 'at most' : 'less than') : issue.inclusive ? 'at least' : 'greater than';
  return `must be ${words} ${bound}`;
}

/**
 * For a zod error map: the message of a number field whose value is not finite, as a YAML number too large for a
 * double (`1e400`) or `.inf`/`.nan` reads: `must be a finite number: the value written reads as Infinity …`
 * (zod's own is "Invalid input: expected number, received Infinity"). Undefined for any other issue.
 */
export function nonFiniteNumberMessage(issue: core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type' || issue.expected !== 'number' || typeof issue.input !== 'number' || Number.isFinite(issue.input)) return undefined;
  const why = Number.isNaN(issue.input) ? 'not a number' : "it overflows: a number's magnitude is at most about 1.8e308";
  return `must be a finite number: the value written reads as ${issue.input} (${why})`;
}

/**
 * For a zod error map: zod's own wording of a field that is missing, of another type, not one of its choices, or a
 * list or text of the wrong length ("Invalid input: expected string, received undefined", "Too small: expected array
 * to have >=1 items") in the config's words: `missing: this field is required (a string)`, `must be a mapping`,
 * `must be one of sinusoid, sotu or jsonl`, `must hold at least 1 entry`, `must not be empty` (a text). The value is left to
 * the caller to echo (`(got …)`), except null, which `must be a mapping (got null: the value is empty)` explains (a
 * YAML key with nothing after it). Undefined for any other issue, and for a number's bound ({@link numberBoundMessage}).
 */
export function shapeMessage(issue: core.$ZodRawIssue): string | undefined {
  const expected = issue.code === 'invalid_type' ? expectedInWords(issue.expected) : issue.code === 'invalid_value' ? `one of ${orList(issue.values.map(String))}` : undefined;
  if (expected !== undefined) {
    if (issue.input === undefined) return `missing: this field is required (${expected})`;
    return `must be ${expected}${issue.input === null ? ' (got null: the value is empty)' : ''}`;
  }
  if ((issue.code !== 'too_big' && issue.code !== 'too_small') || (issue.origin !== 'array' && issue.origin !== 'string')) return undefined;
  const bound = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
  if (issue.code === 'too_small' && bound === 1 && issue.origin === 'string') return 'must not be empty';
  const noun = issue.origin === 'array' ? (bound === 1 ? 'entry' : 'entries') : bound === 1 ? 'character' : 'characters';
  return `must hold ${issue.code === 'too_big' ? 'at most' : 'at least'} ${digits(bound)} ${noun}`;
}

/**
 * The issues of one failed parse with one bound per field: where a value breaks several upper (or lower) bounds of
 * the same field (1e23 for `training.maxSteps` is over both zod's 2^53-1 for integers and the field's 10,000,000),
 * only the tightest is kept, so that the error says one thing about the field. Other issues are kept as they are, in order.
 */
export function tightestBounds(issues: readonly core.$ZodIssue[]): core.$ZodIssue[] {
  const key = (issue: core.$ZodIssue) => `${issue.code}\0${issue.path.map(String).join('\0')}`;
  const tightest = new Map<string, core.$ZodIssue>();
  for (const issue of issues) {
    if (issue.code !== 'too_big' && issue.code !== 'too_small') continue;
    const kept = tightest.get(key(issue));
    if (!kept || tighter(issue, kept)) tightest.set(key(issue), issue);
  }
  return issues.filter((issue) => (issue.code !== 'too_big' && issue.code !== 'too_small') || tightest.get(key(issue)) === issue);
}

function tighter(a: core.$ZodIssue, b: core.$ZodIssue): boolean {
  if (a.code === 'too_big' && b.code === 'too_big') return Number(a.maximum) < Number(b.maximum);
  if (a.code === 'too_small' && b.code === 'too_small') return Number(a.minimum) > Number(b.minimum);
  return false;
}
