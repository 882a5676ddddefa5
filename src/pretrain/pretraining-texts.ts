/**
 * The unlabelled text of a run's pretraining: every passage of the meta-train classes (never meta-val or
 * meta-test: their classes must stay unseen) and the files of `pretraining.texts`, cut into passages of
 * `task.passageChars` characters like the corpus. Texts with no token are dropped.
 */
import { resolvedPath, type RunConfig } from '../core/config';
import { readBoundedFile } from '../core/bounded-file';
import { pretrainingTextField } from '../core/config-inputs';
import { ConfigError, type FileReadReason } from '../core/errors';
import { decodeUtf8, describeUtf8Problem } from '../core/utf8-text';
import { textTokenizerFor } from '../model/text-tokenizer';
import { cutPassages } from '../tasks/passages';
import { metaTrainTexts, type TextTaskFamily } from '../tasks/text-corpus';

/** Where the pretraining texts came from, for the summary. */
export interface PretrainingTexts {
  readonly texts: string[];
  /** Passages from the meta-train classes. */
  readonly metaTrain: number;
  /** Passages per file of `pretraining.texts` (resolved path → count). */
  readonly files: ReadonlyArray<{ path: string; passages: number }>;
}

/**
 * The largest `pretraining.texts` file read, in bytes (128 MiB). Checked before reading: its passages take about 35
 * times the file's size in memory while pretraining gathers them (a 40 MB file peaked at 1.4 GB).
 */
export const MAX_PRETRAINING_TEXT_BYTES = 128 << 20;

/** What the error of a `pretraining.texts` file that cannot be read says after the reader's reason. */
const ADVICE: Record<FileReadReason, string> = {
  unreadable: '',
  'not-a-file': ': give a UTF-8 text file',
  'too-large': '; its passages take about 35 times that in memory: give a sample of it, or split it over several runs',
};

/**
 * Gathers the pretraining texts of `config` over `family` (its meta-train split).
 * @throws ConfigError at `pretraining.texts.<i>` (0-based), naming the resolved path, when a file cannot be read, is not a
 *   regular file or a pipe (a directory, a device such as /dev/zero), is larger than {@link MAX_PRETRAINING_TEXT_BYTES}
 *   (refused before it is read; src/core/bounded-file.ts), or is not UTF-8 (naming the line and byte, with the fix: src/core/utf8-text.ts).
 */
export async function pretrainingTexts(config: RunConfig, family: TextTaskFamily): Promise<PretrainingTexts> {
  const tokenizer = textTokenizerFor(config.model);
  const keep = (t: string) => tokenizer.tokenCount(t, 1) > 1;
  const texts = metaTrainTexts(family).filter(keep);
  const metaTrain = texts.length;
  const files: Array<{ path: string; passages: number }> = [];
  for (const [i, written] of (config.pretraining?.texts ?? []).entries()) {
    const path = resolvedPath(config, written);
    const field = pretrainingTextField(i);
    const bytes = readBoundedFile(path, MAX_PRETRAINING_TEXT_BYTES, (err) => new ConfigError(field, `${err.message}${ADVICE[err.reason]}`, { cause: err }));
    const decoded = decodeUtf8(bytes);
    if ('problem' in decoded) {
      const where = decoded.problem.wideEncoding ? '' : `:${decoded.problem.line}`;
      throw new ConfigError(field, `${path}${where}: ${describeUtf8Problem(decoded.problem)}`);
    }
    const text = decoded.text;
    const passages = cutPassages(text.replace(/\s+/g, ' ').trim(), config.task.passageChars).filter(keep);
    for (const passage of passages) texts.push(passage); // not push(...passages): a large file overflows the call stack
    files.push({ path, passages: passages.length });
  }
  return { texts, metaTrain, files };
}
