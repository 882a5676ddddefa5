/** What a zod schema expected of a value, in words for a message: the `expected` of an `invalid_type` issue. */

/** Each expected type zod names, in words; the messages of run configs and kubeconfigs use them. */
const WORDS: Readonly<Record<string, string>> = { string: 'a string', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping' };

/**
 * `expected` (zod's name of a type: `string`, `boolean`, `array`, `object` …) in words for a message: `a string`,
 * `true or false`, `a list`, `a mapping`; a name without words is returned as it is.
 */
export function expectedInWords(expected: string): string {
  return WORDS[expected] ?? expected;
}
