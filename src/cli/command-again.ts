/**
 * The command line that runs a command again as it was given, for the hints a stopped command prints (`metatrain run`:
 * `continue with: metatrain run run.yaml --workers 4 --backend cpu --resume`): its arguments and every option given
 * on the command line, in the order the command declares them, each word quoted for a POSIX shell where it needs it,
 * so that the hint, pasted, resumes the run the same way (the same workers, backend, run directory) rather than with
 * the config's values.
 */
import type { Command } from 'commander';

/** Words a POSIX shell takes as they are (no quoting needed). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `word` as a POSIX shell reads it back: as it is when it holds only {@link PLAIN_WORD} characters, else in single
 * quotes (a `'` inside written `'\''`), e.g. `run dir` → `'run dir'`, `` → `''`.
 */
export function shellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `metatrain NAME ARGS… OPTIONS…` for `command` as it was parsed: `args` (its arguments, as given), then each option
 * whose value came from the command line (not a default or the environment), `--flag` for a boolean one that is
 * set, `--flag VALUE` otherwise (its parsed value as a string: `--workers 4`).
 * @param leaveOut long flags not to repeat (`--resume`, which the hint adds or leaves out itself).
 * @example commandAgain(command, ['run.yaml'], ['--resume']) // 'metatrain run run.yaml --workers 4 --out /data/my-run'
 */
export function commandAgain(command: Command, args: readonly string[], leaveOut: readonly string[] = []): string {
  const words = ['metatrain', command.name(), ...args];
  for (const option of command.options) {
    const key = option.attributeName();
    if (option.long === undefined || leaveOut.includes(option.long) || command.getOptionValueSource(key) !== 'cli') continue;
    const value: unknown = command.getOptionValue(key);
    if (option.isBoolean()) {
      if (value === true) words.push(option.long);
    } else {
      words.push(option.long, String(value));
    }
  }
  return words.map(shellWord).join(' ');
}
