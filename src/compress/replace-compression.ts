/**
 * Publishing a job's result in place of the run's earlier compression in its output directory (compress-job.ts).
 * The earlier one was checked before the pipeline ran (./committed-files assertReplaceable), but files may have been
 * put into the directory since (a user's notes, written while the compression ran for minutes), which removing it
 * would delete. So it is moved aside first, so that nothing more lands in it, then checked again: it is removed only
 * when it still holds nothing its compression.json does not list, once the new result is published. Otherwise it is
 * moved back and the job's checks run again on it, which refuse it naming the files; nothing is removed.
 */
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CompressionJob } from '../bus/job-queue';
import { freeKeptName } from '../checkpoint/checkpoint-kept-directory';
import { fsyncDirectory, moveAside, publishDirectory } from '../core/durable-fs';
import { MetatrainError, OtherCompressionError } from '../core/errors';
import { unlistedFiles } from './committed-files';
import { committedReport } from './compression-report';
import { isReplacedBy } from './other-compression';

/**
 * Publishes `files` (as publishDirectory: name → bytes, compression.json last) as `job.outDir`, replacing the
 * compression of the same run found there before the pipeline ran, provided it still is one `job` replaces and holds
 * nothing its compression.json does not list. When it does not, it is moved back and `recheck` (the job's checks of
 * its output directory) decides: it throws naming what is there, or says the directory now holds the job's own result
 * (`own`: nothing is published), a compression to replace (tried again) or none (published without replacing: a
 * directory holding files fails the rename, ENOTEMPTY).
 * @throws what `recheck` throws, e.g. OtherCompressionError `runs/x/compressed holds, besides the compression of …
 *   (step 3), files its compression.json does not list (notes.txt), which replacing that compression would remove;
 *   it was left as it is: move them elsewhere`; OtherCompressionError naming `<outDir>.kept-N` when the earlier
 *   directory cannot be moved back (something was put at `job.outDir` meanwhile): it is kept there, not removed;
 *   WriteError as publishDirectory (the earlier compression is moved back then).
 */
export async function replaceCompression(job: CompressionJob, files: readonly (readonly [string, Uint8Array])[], recheck: () => Promise<'own' | 'earlier' | undefined>): Promise<void> {
  for (;;) {
    const aside = await moveAside(job.outDir);
    if (aside === undefined) return void (await publishDirectory(job.outDir, files));
    if (await onlyReplaceable(aside, job)) {
      try {
        await publishDirectory(job.outDir, files);
      } catch (err) {
        await rename(aside, job.outDir).catch(() => undefined); // best effort: the earlier one stays published
        throw err;
      }
      await rm(aside, { recursive: true, force: true });
      return;
    }
    await putBack(aside, job.outDir);
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

/**
 * Renames `aside` back to `outDir`; when something is at `outDir` now, to `<outDir>.kept-N` instead (a name that is
 * no temporary one, which nothing removes).
 * @throws OtherCompressionError naming both paths in that case.
 */
async function putBack(aside: string, outDir: string): Promise<void> {
  try {
    await rename(aside, outDir);
  } catch {
    const kept = freeKeptName(outDir);
    await rename(aside, kept);
    throw new OtherCompressionError(`${outDir} was replaced while the compression ran; the earlier compression it held, with files its compression.json does not list, is in ${kept} now and was not removed: move those files elsewhere`);
  }
  await fsyncDirectory(dirname(outDir));
}
