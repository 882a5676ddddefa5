/**
 * Publishing a job's result in place of the run's earlier compression in its output directory (compress-job.ts).
 * The earlier one was checked before the pipeline ran (./committed-files assertReplaceable), but files may have been
 * put into the directory since (a user's notes, written while the compression ran for minutes), which removing it
 * would delete. So the new result is staged and fsynced first; only then is the earlier one moved aside, so that
 * nothing more lands in it, and checked again: the new one is renamed in and the earlier one removed only when it
 * still holds nothing its compression.json does not list. Otherwise it is moved back, the staged result discarded
 * and the job's checks run again on it, which refuse it naming the files; nothing is removed. A process killed
 * meanwhile leaves the earlier compression in place, or aside for the few milliseconds of that check.
 */
import type { CompressionJob } from '../bus/job-queue';
import { publishDirectory } from '../core/durable-fs';
import { MetatrainError } from '../core/errors';
import { unlistedFiles } from './committed-files';
import { committedReport } from './compression-report';
import { isReplacedBy } from './other-compression';

/** Thrown by the check before the rename to abort the replace: the earlier directory is not only what it replaces. */
class NotOnlyReplaceable extends Error {}

/**
 * Publishes `files` (as publishDirectory: name → bytes, compression.json last) as `job.outDir`, replacing the
 * compression of the same run found there before the pipeline ran, provided it still is one `job` replaces and holds
 * nothing its compression.json does not list. When it does not, it is moved back and `recheck` (the job's checks of
 * its output directory) decides: it throws naming what is there, or says the directory now holds the job's own result
 * (`own`: nothing is published), a compression to replace (tried again) or none (published without replacing: a
 * directory holding files fails the rename, ENOTEMPTY).
 * @throws what `recheck` throws, e.g. OtherCompressionError `runs/x/compressed holds, besides the compression of …
 *   (step 3), files its compression.json does not list (notes.txt), which replacing that compression would remove;
 *   it was left as it is: move them elsewhere`; WriteError as publishDirectory, e.g. naming `<outDir>.kept-N` when
 *   the earlier directory cannot be moved back (something was put at `job.outDir` meanwhile): it is kept there, not
 *   removed.
 */
export async function replaceCompression(job: CompressionJob, files: readonly (readonly [string, Uint8Array])[], recheck: () => Promise<'own' | 'earlier' | undefined>): Promise<void> {
  const beforeReplace = async (aside: string): Promise<void> => {
    if (!(await onlyReplaceable(aside, job))) throw new NotOnlyReplaceable();
  };
  for (;;) {
    try {
      return void (await publishDirectory(job.outDir, files, { replace: true, beforeReplace }));
    } catch (e) {
      if (!(e instanceof NotOnlyReplaceable)) throw e;
    }
    const found = await recheck();
    if (found === 'own') return;
    if (found === undefined) return void (await publishDirectory(job.outDir, files));
  }
}

/** Whether the directory `aside` holds a compression `job` replaces and nothing its compression.json does not list. */
async function onlyReplaceable(aside: string, job: CompressionJob): Promise<boolean> {
  let report;
  try {
    report = await committedReport(aside);
  } catch (e) {
    if (e instanceof MetatrainError) return false;
    throw e;
  }
  return report !== undefined && isReplacedBy(report, job) && unlistedFiles(aside, report).length === 0;
}
