/** The `--data FILE` option of `adapt` and `predict`: a JSONL file, or `-` for standard input. */
import { readStdinData, type JsonlSource } from '../tasks/jsonl';

/** The `--data` value that reads the data from standard input (a file named `-` is `./-`). */
export const STDIN_DATA = '-';

/** What the option's help says about {@link STDIN_DATA}, after what the file holds. */
export const STDIN_DATA_HELP = `; ${STDIN_DATA} reads it from standard input (… | metatrain … --data ${STDIN_DATA})`;

/**
 * The JSONL source a `--data` value names: standard input read to its end for {@link STDIN_DATA} (without blocking:
 * Ctrl-C is handled while it is read), else the path as given.
 * @throws (rejects with) DatasetError as {@link readStdinData}.
 */
export async function dataSource(value: string): Promise<JsonlSource> {
  return value === STDIN_DATA ? readStdinData() : value;
}
