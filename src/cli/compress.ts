/**
 * `metatrain compress --checkpoint DIR [--out DIR]`: runs one compression job by hand, in this process, and prints
 * its result. The run config comes from the checkpoint (checkpoints record it) or `--config`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { pathOption } from './options';
import { refuseLinkedOutDirectory } from './out-directory';
import { compressionJobId, type CompressionJob } from '../bus/job-queue';
import { compressJob } from '../compress/compress-job';
import { committedReport, REPORT_FILE, type CompressionReport } from '../compress/compression-report';
import { settingDifferences } from '../compress/compression-settings';
import { configHash, loadRunConfig, parseRunConfig } from '../core/config';
import { CheckpointError, CompressionError } from '../core/errors';
import { loadCheckpoint } from '../checkpoint';
import type { BackendName } from '../model/backend';
import { formatCompression } from './compression-summary';
import { backendOption } from './backend-option';
import { onStopSignals, signalExitCode } from './exit-codes';
import { bodyOnlyCheckpoint } from './body-only-checkpoint';
import { notOneCheckpoint } from '../checkpoint';
import { fileInTheWay } from '../core/make-directory';
import { lockDirectory } from '../core/directory-lock';

/** What --checkpoint takes. */
const META_TRAINING_CHECKPOINT = 'a meta-training checkpoint (runs/NAME/checkpoints/step-N)';

/**
 * Why the result cannot be published as `outDir` (in one rename, at the end of the compression), checked before the
 * compression runs; undefined when it can: `outDir` is missing, an empty directory, or holds a committed result.
 */
function outDirProblem(outDir: string): string | undefined {
  const file = fileInTheWay(outDir);
  if (file !== undefined) return `${file} is a file (or a link to nothing), not a directory; give a directory path with --out`;
  const entries = existsSync(outDir) ? readdirSync(outDir) : [];
  if (entries.length === 0 || entries.includes(REPORT_FILE)) return undefined;
  return `${outDir} already exists and holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); choose a new --out directory`;
}

/**
 * Why `outDir`, which holds the committed compression `existing`, cannot take `job`: of which checkpoint it is, which
 * recorded settings differ from the job's config (`differences`, from {@link settingDifferences}), or, for the same
 * checkpoint and no such setting, that its config differs elsewhere; with where to write instead.
 */
function anotherCompression(outDir: string, existing: CompressionReport, job: CompressionJob, differences: readonly string[]): string {
  const made = differences.length > 0 ? `, made with other settings (${differences.join('; ')})` : existing.checkpoint === job.checkpoint ? `, made with another config (job ${existing.jobId}, this one ${job.jobId})` : '';
  const of = existing.checkpoint === job.checkpoint ? 'this checkpoint' : `${existing.checkpoint} (step ${existing.step})`;
  return `${outDir} already holds the compression of ${of}${made}; write this one elsewhere with --out DIR, or remove ${outDir} to replace it`;
}

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('compress')
    .description('compress a meta-learned checkpoint: distillation, pruning, int8 quantization, ONNX export (one job, in this process)')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory, e.g. runs/NAME/checkpoints/step-00000400', pathOption('--checkpoint'))
    .option('--out <dir>', 'result directory (default: <run dir>/compressed)', pathOption('--out'))
    .option('--config <file>', 'run config (YAML) whose compression section to use (default: the config recorded in the checkpoint)', pathOption('--config'))
    .addOption(backendOption('tfjs backend', '', 'wasm'))
    .action(async (o: { checkpoint: string; out?: string; config?: string; backend: string }) => {
      // Ctrl-C or SIGTERM, from the start, ends the job at its next check (or before it starts); the result is
      // published in one rename at the end, so a stopped job leaves nothing behind. Exit codes as the other
      // commands (src/cli/exit-codes.ts).
      const ac = new AbortController();
      const signals = onStopSignals(() => ac.abort(), { forceOnSecond: () => process.stderr.write('forced: exiting at once\n') });
      const bodyOnly = bodyOnlyCheckpoint(o.checkpoint);
      if (bodyOnly) throw new CheckpointError(`--checkpoint ${o.checkpoint} is ${bodyOnly}: give ${META_TRAINING_CHECKPOINT}`);
      const notOne = await notOneCheckpoint(o.checkpoint);
      if (notOne) throw new CheckpointError(`--checkpoint ${o.checkpoint} ${notOne.problem}: give ${notOne.instead ?? META_TRAINING_CHECKPOINT}`);
      const checkpoint = await loadCheckpoint(o.checkpoint);
      let config;
      if (o.config) config = loadRunConfig(o.config);
      else if (checkpoint.extra.config) config = parseRunConfig(checkpoint.extra.config);
      else throw new CheckpointError(`checkpoint ${o.checkpoint} does not record its run config; pass --config FILE`);
      // Default: `compressed/` of the run the checkpoint belongs to (<run dir>/checkpoints/step-N), wherever we run from.
      const outDir = resolve(o.out ?? join(dirname(dirname(resolve(o.checkpoint))), 'compressed'));
      const job = { jobId: compressionJobId(config.name, checkpoint.step, configHash(config)), run: config.name, checkpoint: resolve(o.checkpoint), config, outDir };
      refuseLinkedOutDirectory(o.out ?? outDir, 'compress', o.out !== undefined);
      const blocked = outDirProblem(outDir);
      if (blocked) throw new Error(`${o.out !== undefined ? `--out ${o.out}` : `the result directory ${outDir}`}: ${blocked}`);
      const existing = await committedReport(outDir);
      // The job id covers the checkpoint and the config hash, which leaves the compression section out: a result of
      // the same job made with other compression settings is another compression too.
      const differences = existing ? settingDifferences(existing, config) : [];
      if (existing && (existing.jobId !== job.jobId || differences.length > 0)) throw new Error(anotherCompression(outDir, existing, job, differences));
      if (existing) process.stderr.write(`${outDir} already holds this checkpoint's compression; not running again (remove it to recompress)\n`);
      // After the checks (they name --out's problems first), before anything is written; beside the directory, which
      // is published whole by one rename.
      lockDirectory(outDir, 'compression output', join(dirname(outDir), `.${basename(outDir)}.lock`));
      try {
        await compressJob(job, {
          backend: o.backend as BackendName,
          signal: ac.signal,
          onProgress: (message, training) => {
            if (!training || training.step % 25 === 0 || training.step === training.totalSteps) process.stderr.write(`${message}\n`);
          },
        });
      } catch (err) {
        if (signals.received === undefined || !(err instanceof CompressionError && err.aborted)) throw err;
        process.stderr.write(`compression stopped (${signals.received}); nothing was written to ${outDir}\n`);
        process.exit(signalExitCode(signals.received));
      }
      process.stdout.write(`${formatCompression((await committedReport(outDir))!, outDir)}\n`);
    });
}
