/**
 * `metatrain compress --checkpoint DIR [--out DIR]`: runs one compression job by hand, in this process, and prints
 * its result. The run config comes from the checkpoint (checkpoints record it) or `--config`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { pathOption } from './options';
import { refuseLinkedOutDirectory } from './out-directory';
import { compressionOutDirProblem } from './compression-out-directory';
import { runCompressionJobId } from '../bus/job-queue';
import { assertReusable } from '../compress/committed-files';
import { compressJob } from '../compress/compress-job';
import { compressionRefusal } from '../compress/compressible-model';
import { assertCheckpointOfConfig } from '../compress/pipeline';
import { committedReport } from '../compress/compression-report';
import { otherCompression } from '../compress/other-compression';
import { CHECKPOINTS_DIR, loadRunConfig, parseRecordedConfig } from '../core/config';
import { CheckpointError, CompressionError, OtherCompressionError } from '../core/errors';
import { loadCheckpoint } from '../checkpoint';
import type { BackendName } from '../model/backend';
import { formatCompression } from './compression-summary';
import { backendOption } from './backend-option';
import { onStopSignals, signalExitCode } from './exit-codes';
import { bodyOnlyCheckpoint } from './body-only-checkpoint';
import { notOneCheckpoint } from '../checkpoint';
import { LOCK_FILE, lockDirectory } from '../core/directory-lock';
import { modelOutputInstead } from '../pretrain/model-init-instead';

/** What --checkpoint takes. */
const META_TRAINING_CHECKPOINT = 'a meta-training checkpoint (runs/NAME/checkpoints/step-N)';

/** What to do, by what is in the way at --out ({@link compressionOutDirProblem}). */
const OUT_ADVICE = { file: 'give a directory path with --out', empty: 'remove it, or choose a new --out directory', others: 'choose a new --out directory' } as const;

/**
 * The run directory `outDir` is the compressed model of (`<run dir>/compressed` of a directory holding a run's
 * `checkpoints` or the lock of a run writing it), or undefined: a run writing there would publish its own compression.
 */
function runDirectoryOf(outDir: string): string | undefined {
  const parent = dirname(outDir);
  if (basename(outDir) !== 'compressed') return undefined;
  return existsSync(join(parent, CHECKPOINTS_DIR)) || existsSync(join(parent, LOCK_FILE)) ? parent : undefined;
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
      // Ctrl-C or SIGTERM before the job starts (e.g. while --config is read from a pipe a producer holds open)
      // exits at once: nothing has been written. Once it has started, the job ends at its next check; the result is
      // published in one rename at the end, so a stopped job leaves nothing behind. Exit codes as the other
      // commands (src/cli/exit-codes.ts).
      const ac = new AbortController();
      let started = false;
      const signals = onStopSignals(
        (signal) => {
          if (started) {
            ac.abort();
            return;
          }
          process.stderr.write(`compression stopped (${signal}) before it started; nothing was written\n`);
          process.exit(signalExitCode(signal));
        },
        { forceOnSecond: () => process.stderr.write('forced: exiting at once\n') },
      );
      const bodyOnly = bodyOnlyCheckpoint(o.checkpoint);
      if (bodyOnly) throw new CheckpointError(`--checkpoint ${o.checkpoint} is ${bodyOnly}: give ${META_TRAINING_CHECKPOINT}`);
      const output = modelOutputInstead(o.checkpoint);
      if (output) throw new CheckpointError(`--checkpoint ${o.checkpoint}: ${output}`);
      const notOne = await notOneCheckpoint(o.checkpoint);
      if (notOne) throw new CheckpointError(`--checkpoint ${o.checkpoint} ${notOne.problem}: give ${notOne.instead ?? META_TRAINING_CHECKPOINT}`);
      const checkpoint = await loadCheckpoint(o.checkpoint);
      let config;
      if (o.config) config = await loadRunConfig(o.config);
      else if (checkpoint.extra.config) config = parseRecordedConfig(checkpoint.extra.config);
      else throw new CheckpointError(`checkpoint ${o.checkpoint} does not record its run config; pass --config FILE`);
      // Before the result directory's checks: their advice (--out elsewhere) cannot help a config of another run.
      assertCheckpointOfConfig(checkpoint, config);
      // Before any work (before: the teacher was adapted, then "student init: no slicing rule for teacher tensor …").
      const refusal = compressionRefusal(config.model.kind);
      if (refusal) throw new CheckpointError(`--checkpoint ${o.checkpoint} is of a ${config.model.kind} model: ${refusal}; nothing was written`);
      // Default: `compressed/` of the run the checkpoint belongs to (<run dir>/checkpoints/step-N), wherever we run from.
      const outDir = resolve(o.out ?? join(dirname(dirname(resolve(o.checkpoint))), 'compressed'));
      const job = { jobId: runCompressionJobId(config, checkpoint.step, outDir), run: config.name, checkpoint: resolve(o.checkpoint), config, outDir };
      refuseLinkedOutDirectory(o.out ?? outDir, 'compress', o.out !== undefined);
      const blocked = compressionOutDirProblem(outDir);
      if (blocked) throw new Error(`${o.out !== undefined ? `--out ${o.out}` : `the result directory ${outDir}`}: ${blocked.problem}; ${OUT_ADVICE[blocked.kind]}`);
      const existing = await committedReport(outDir);
      const other = existing && otherCompression(existing, job);
      if (other) throw new OtherCompressionError(`${outDir} already holds ${other}; write this one elsewhere with --out DIR, or remove ${outDir} to replace it`);
      if (existing) {
        assertReusable(outDir, existing);
        process.stderr.write(`${outDir} already holds this checkpoint's compression; not running again (remove it to recompress)\n`);
      }
      // After the checks (they name --out's problems first), before anything is written: the run directory when the
      // result is a run's compressed model (a running `metatrain run` would publish its own there), and the result
      // directory, beside it (it is published whole by one rename).
      started = true;
      const runDirectory = runDirectoryOf(outDir);
      if (runDirectory !== undefined) lockDirectory(runDirectory, 'run directory');
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
