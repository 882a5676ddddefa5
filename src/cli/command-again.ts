/**
 * The command line that runs a command again as it was given, for the hints a stopped command prints (`metatrain run`:
 * `continue with: metatrain run run.yaml --workers 4 --backend cpu --resume`): its arguments and every option given
 * on the command line, in the order the command declares them, each word quoted for a POSIX shell where it needs it,
 * so that the hint, pasted, resumes the run the same way (the same workers, backend, run directory) rather than with
 * the config's values. A file argument that named a file descriptor of the process (`<(envsubst < run.yaml)` gives
 * `/dev/fd/63`), or a file that is not a regular one (a named pipe, `mkfifo c.yaml`), cannot be repeated: the hint
 * holds a placeholder and says why ({@link unrepeatableArgument}).
 */
import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fileKind } from '../core/bounded-file';
import { shellWord } from '../core/shell-word';
import { natsUrlShown } from '../bus/nats-servers';

/**
 * Paths that name an open file descriptor of the process rather than a file: `/dev/stdin`, `/dev/fd/N`,
 * `/proc/self/fd/N` (also `thread-self` or a process id): a pipe or a redirection, read once and gone when the process
 * exits, so another command cannot read it again.
 */
const DESCRIPTOR_PATH = /^\/(?:dev\/(?:stdin|fd\/(\d+))|proc\/(?:self|thread-self|\d+)\/fd\/(\d+))$/;

/** An argument a hint cannot repeat: `placeholder` stands in its place (written as it is), `note` says why. */
export interface Unrepeatable {
  readonly placeholder: string;
  readonly note: string;
}

/**
 * The file argument `file` (`what` it is: `config`) as a hint can repeat it: undefined when it is a regular file,
 * which another command can read again; else the placeholder `<the same config>` and the note `the config came from
 * a pipe, /dev/fd/63, which cannot be read again`: when it names a file descriptor ({@link DESCRIPTOR_PATH};
 * `standard input` for descriptor 0, whatever it is open on), or a file read once ({@link readOnceKind}: a named
 * pipe, `mkfifo c.yaml`, is `a pipe`; a device `a character device` …).
 * @example unrepeatableArgument('/dev/fd/63', 'config') // { placeholder: '<the same config>', note: 'the config came from a pipe, /dev/fd/63, …' }
 */
export function unrepeatableArgument(file: string, what: string): Unrepeatable | undefined {
  const match = DESCRIPTOR_PATH.exec(resolve(file));
  const source = match ? ((match[1] ?? match[2] ?? '0') === '0' ? 'standard input' : 'a pipe') : readOnceKind(file);
  return source === undefined ? undefined : { placeholder: `<the same ${what}>`, note: `the ${what} came from ${source}, ${file}, which cannot be read again` };
}

/**
 * What `file` is, in words ({@link fileKind}: `a pipe`, `a character device` …), when it is neither a regular file nor
 * a directory: a file whose contents are gone once read. Undefined for a regular file, a directory (no config to
 * read again: the command refused it), and a path that cannot be examined now (gone, or a component not a directory).
 */
function readOnceKind(file: string): string | undefined {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch {
    return undefined;
  }
  return stats.isFile() || stats.isDirectory() ? undefined : fileKind(stats);
}

/**
 * `metatrain NAME ARGS… OPTIONS…` for `command` as it was parsed: `args` (its arguments, as given, or the placeholder
 * of one that cannot be repeated, written as it is), then each option
 * whose value came from the command line (not a default or the environment), `--flag` for a boolean one that is
 * set, `--flag VALUE` otherwise (its parsed value as a string: `--workers 4`; a `--nats` URL with its password or
 * token shown as `…`, as every message shows it: the hint is printed, and may be logged).
 * @param leaveOut long flags not to repeat (`--resume`, which the hint adds or leaves out itself).
 * @example commandAgain(command, ['run.yaml'], ['--resume']) // 'metatrain run run.yaml --workers 4 --out /data/my-run'
 */
export function commandAgain(command: Command, args: ReadonlyArray<string | Unrepeatable>, leaveOut: readonly string[] = []): string {
  const words = ['metatrain', command.name(), ...args.map((arg) => (typeof arg === 'string' ? shellWord(arg) : arg.placeholder))];
  for (const option of command.options) {
    const key = option.attributeName();
    if (option.long === undefined || leaveOut.includes(option.long) || command.getOptionValueSource(key) !== 'cli') continue;
    const value: unknown = command.getOptionValue(key);
    if (option.isBoolean()) {
      if (value === true) words.push(option.long);
    } else {
      words.push(option.long, shellWord(option.long === '--nats' ? natsUrlShown(String(value)) : String(value)));
    }
  }
  return words.join(' ');
}
