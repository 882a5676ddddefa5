/**
 * The run directory checked before `run` or `coordinator` starts anything in it (before it is locked, and again once it is: ./run-directory-lock.ts), in one place so
 * that both refuse the same directories in the same words: links where a run writes (./run-directory-links.ts), the
 * checkpoints against how the command starts (./run-checkpoints-fit.ts), and, for a new run, files that are not a
 * run's (./run-directory-files.ts).
 */
import type { RunConfig } from '../core/config';
import { assertRunCheckpointsFit, type StartMode } from './run-checkpoints-fit';
import { assertOnlyRunFiles } from './run-directory-files';
import { assertNoLinksInRunDirectory } from './run-directory-links';

/**
 * Checks the run directory of `config` before `command` starts a run in it as `mode` says ({@link StartMode}): no
 * symbolic link where a run writes (new or resumed), checkpoints that fit `mode`, and with `new`, no file that is not
 * a run's. The advice names `--out` for `run`, `runtime.outDir` alone for `coordinator` (which has no `--out`).
 * @param out the `--out` flag's value when given (`run`): the messages name it, else `runtime.outDir` or the default.
 * @throws RunDirectoryLinkError, CheckpointError or ForeignFilesError, as those checks throw.
 */
export async function assertRunDirectoryFitsStart(config: RunConfig, command: 'run' | 'coordinator', mode: StartMode, out?: string): Promise<void> {
  // A resumed run appends to the same logs/ and writes the same checkpoints/: a link planted there is refused too.
  assertNoLinksInRunDirectory(config, command, out);
  await assertRunCheckpointsFit(config, mode, command === 'run' ? '--out' : undefined);
  if (mode === 'new') await assertOnlyRunFiles(config, command, out);
}
