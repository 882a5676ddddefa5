/** The run directory's path checked before `run`, `pretrain` or `coordinator` creates anything (--out, runtime.outDir). */
import { runDir, type RunConfig } from '../core/config';
import { fileInTheWay, fileInTheWayWords } from '../core/make-directory';

/**
 * How a message names the run directory of `config`: `--out DIR` when the flag gave it (`out`, its value),
 * `runtime.outDir DIR` when the config did, else `the run directory runs/NAME` (the default).
 */
export function runDirectoryNamed(config: RunConfig, out?: string): string {
  if (out !== undefined) return `--out ${out}`;
  if (config.runtime.outDir !== undefined) return `runtime.outDir ${config.runtime.outDir}`;
  return `the run directory ${runDir(config)}`;
}

/** A command that writes in the run directory: `run` and `pretrain` take `--out`, `coordinator` does not. */
export type RunDirectoryCommand = 'run' | 'pretrain' | 'coordinator';

/**
 * The setting a message tells the user of `command` to change for another run directory of `config`: `--out` when
 * the flag gave it (`out`), `runtime.outDir (or --out)` when the config did, else `--out or runtime.outDir`; for
 * `coordinator`, which has no `--out`, `runtime.outDir`.
 */
export function runDirectoryFlag(config: RunConfig, command: RunDirectoryCommand, out?: string): string {
  if (command === 'coordinator') return 'runtime.outDir';
  if (out !== undefined) return '--out';
  return config.runtime.outDir !== undefined ? 'runtime.outDir (or --out)' : '--out or runtime.outDir';
}

/**
 * Checks that the run directory of `config` can be a directory: neither it nor a parent is a file (or a link to nothing).
 * @param out The `--out` flag's value when given (it set `runtime.outDir`): the error names it, else `runtime.outDir` or the default.
 * @throws Error naming the flag or field, the file in the way and what to give.
 */
export function assertRunDirectoryPath(config: RunConfig, out?: string): void {
  const file = fileInTheWay(runDir(config));
  if (file === undefined) return;
  const what = fileInTheWayWords(file);
  if (out !== undefined || config.runtime.outDir !== undefined) throw new Error(`${runDirectoryNamed(config, out)}: ${what}; give a directory path for the run`);
  throw new Error(`the run directory ${runDir(config)} cannot be created: ${what}; move it, or give another directory with --out or runtime.outDir`);
}
