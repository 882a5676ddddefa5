/**
 * Validation of `TaskSpec`s that arrive over the network. Every check throws a `ProtocolError` whose message
 * names the offending field with its index (`spec.support[1][3]`) and value, so a bad assignment is rejected
 * with an error a person can act on instead of failing deep inside a model.
 */
import { ProtocolError } from '../core/errors';
import type { Split, TaskSpec } from './task';

/** The three splits, in their canonical order (train 0, val 1, test 2). */
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * Checks the fields every spec has: `family` equals `family`, `split` is a known split and `seed` is an
 * unsigned 32-bit integer.
 * @throws ProtocolError naming the field and the bad value.
 */
export function checkSpecHeader(spec: TaskSpec, family: string): void {
  if (spec === null || typeof spec !== 'object') {
    throw new ProtocolError(`invalid task spec: expected an object, got ${describe(spec)}`);
  }
  if (spec.family !== family) {
    throw new ProtocolError(`invalid task spec: spec.family = ${describe(spec.family)} but this family is '${family}'`);
  }
  if (!SPLITS.includes(spec.split)) {
    throw new ProtocolError(`invalid task spec: spec.split = ${describe(spec.split)}, expected one of ${SPLITS.join(', ')}`);
  }
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
    throw new ProtocolError(`invalid task spec: spec.seed = ${describe(spec.seed)}, expected an integer in [0, 2^32)`);
  }
}

/**
 * Checks that `value` is an array of exactly `length` items.
 * @param field the field's path for messages, e.g. `spec.support[2]`.
 * @throws ProtocolError when it is not an array or has another length.
 */
export function checkArray(value: unknown, length: number, field: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new ProtocolError(`invalid task spec: ${field} must be an array of ${length} items, got ${describe(value)}`);
  }
  if (value.length !== length) {
    throw new ProtocolError(`invalid task spec: ${field} has ${value.length} items, expected ${length}`);
  }
}

/**
 * Checks that `list` holds distinct integers in `[0, size)`; `seen` (optional) holds values already taken
 * elsewhere (by field name), which `list` must not repeat.
 * @param what describes the range for messages, e.g. `class 7 (Abraham Lincoln) has 300 examples`.
 * @throws ProtocolError naming the first bad index, its value and the reason.
 */
export function checkIndices(
  list: readonly unknown[],
  size: number,
  field: string,
  what: string,
  seen: Map<number, string> = new Map(),
): void {
  list.forEach((value, i) => {
    const at = `${field}[${i}]`;
    if (!Number.isInteger(value)) {
      throw new ProtocolError(`invalid task spec: ${at} = ${describe(value)} is not an integer`);
    }
    const index = value as number;
    if (index < 0 || index >= size) {
      throw new ProtocolError(`invalid task spec: ${at} = ${index} is out of range [0, ${size}): ${what}`);
    }
    const first = seen.get(index);
    if (first !== undefined) {
      throw new ProtocolError(`invalid task spec: ${at} = ${index} repeats ${first}`);
    }
    seen.set(index, at);
  });
}

/** Short printable form of a value for messages (JSON, cut to 60 characters). */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
