/** The `--data FILE` option of `adapt` and `predict`: a JSONL file, or `-` for standard input. */
import { fstatSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { DatasetError } from '../core/errors';
import { readStdinData, type JsonlSource } from '../tasks/jsonl';

/** The `--data` value that reads the data from standard input (a file named `-` is `./-`). */
export const STDIN_DATA = '-';

/** What the option's help says about {@link STDIN_DATA}, after what the file holds. */
export const STDIN_DATA_HELP = `; ${STDIN_DATA} reads it from standard input (… | metatrain … --data ${STDIN_DATA})`;

/**
 * The JSONL source a `--data` value names: standard input read to its end for {@link STDIN_DATA} (without blocking:
 * Ctrl-C is handled while it is read), else the path as given.
 * @param command the subcommand (`adapt`, `predict`), named in the example of how to give the data.
 * @throws (rejects with) DatasetError naming `--data -` when standard input is a terminal (nothing was piped or
 *   redirected in: `standard input is a terminal, not the data: pipe or redirect the JSONL into it, e.g. metatrain
 *   adapt … --data - < data.jsonl`) or gives no bytes (`/dev/null`, an empty pipe or file: `standard input gave no
 *   data …`); as {@link readStdinData} otherwise (a device such as /dev/zero, more than the limit).
 */
export async function dataSource(value: string, command: string): Promise<JsonlSource> {
  if (value !== STDIN_DATA) return value;
  const advice = `pipe or redirect the JSONL into it, e.g. metatrain ${command} … --data ${STDIN_DATA} < data.jsonl, or give the file with --data FILE`;
  if (isatty(0)) throw new DatasetError(`--data ${STDIN_DATA}`, `standard input is a terminal, not the data: ${advice}`);
  if (stdinIsNullDevice()) throw new DatasetError(`--data ${STDIN_DATA}`, `standard input gave no data (it is /dev/null): ${advice}`);
  const data = await readStdinData();
  if (data.stdin.length === 0) throw new DatasetError(`--data ${STDIN_DATA}`, `standard input gave no data: ${advice}`);
  return data;
}

/**
 * Whether standard input is the null device (`< /dev/null`, as a cron job, `nohup` or `ssh -n` gives it), which reads
 * as empty: otherwise it would be refused as a device, as /dev/zero is.
 */
function stdinIsNullDevice(): boolean {
  try {
    const stats = fstatSync(0);
    return stats.isCharacterDevice() && stats.rdev === statSync('/dev/null').rdev;
  } catch {
    return false; // closed standard input (reading it says so) or no /dev/null (Windows)
  }
}
