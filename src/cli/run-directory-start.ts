/**
 * The run directory checked before `run` or `coordinator` starts anything in it (before it is locked, and again once it is when it changed meanwhile: ./run-directory-lock.ts), in one place so
 * that both refuse the same directories in the same words: links where a run writes (./run-directory-links.ts), the
 * checkpoints against how the command starts (./run-checkpoints-fit.ts), and, for a new run, files that are not a
 * run's (./run-directory-files.ts), which a resumed one keeps, saying so.
 */
import type { RunConfig } from '../core/config';
import { assertRunCheckpointsFit, type StartMode } from './run-checkpoints-fit';
import { assertOnlyRunFiles, keptOtherFiles } from './run-directory-files';
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

/**
 * Says on stderr (`warning: --out runs/x holds files that are not a run's (checkpoints/.tmp-x): --resume leaves them
 * as they are and ignores them`) what a resumed `run` or `coordinator` keeps in its `checkpoints/` and `pretrained/`
 * that no run writes ({@link keptOtherFiles}); nothing for a new run, which refused them ({@link assertRunDirectoryFitsStart}).
 * Call it once the run directory is checked and locked.
 * @param out the `--out` flag's value when given (`run`), as for {@link assertRunDirectoryFitsStart}.
 * @throws CheckpointError naming it when a file is where the run's `checkpoints` or `pretrained` directory goes.
 */
export async function warnOfKeptFiles(config: RunConfig, mode: StartMode, out?: string): Promise<void> {
  const kept = mode === 'new' ? undefined : await keptOtherFiles(config, out);
  if (kept) process.stderr.write(`warning: ${kept}\n`);
}
