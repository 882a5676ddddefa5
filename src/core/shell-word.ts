/** Quoting for the commands metatrain prints to be pasted into a POSIX shell (hints, advice). */

/** Words a POSIX shell takes as they are (no quoting needed). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `word` as a POSIX shell reads it back: as it is when it holds only {@link PLAIN_WORD} characters, else in single
 * quotes (a `'` inside written `'\''`), e.g. `run dir` → `'run dir'`, `` → `''`.
 */
export function shellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
