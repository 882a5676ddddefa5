/** `metatrain run CONFIG`: the whole run on this machine (coordinator + N worker processes on loopback). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadRunConfig, parseRunConfig, runDir, type RunConfig } from '../core/config';
import { LocalCluster } from '../local/local-cluster';
import { assertConfigInputsReadable } from '../core/config-inputs';
import { assertRunDirectoryPath } from './run-directory-path';
import { assertRunDirectoryFitsStart, warnOfKeptFiles } from './run-directory-start';
import { lockRunDirectoryAfter } from './run-directory-lock';
import { assertRunCompressedDirectory } from './compression-out-directory';
import { runtimeWarnings } from '../coordinator/runtime-config';
import { taskMetric } from '../tasks/family';
import { TARGETS_FILE } from '../local/scrape-targets';
import { assertLocalWorkerCount, MAX_LOCAL_WORKERS, tooManyLocalWorkers } from '../local/worker-limit';
import { REPORT_FILE, writeRunReport } from '../report';
import { initBackend } from '../model/backend';
import { boundedInt, pathOption, seconds } from './options';
import { showProgress } from './run-progress';
import { formatSummary } from './run-summary-table';
import { formatCompression } from './compression-summary';
import { committedReport } from '../compress/compression-report';
import { SUMMARY_FILE } from '../summary';
import { checkpointStoreOf } from './run-checkpoints-fit';
import { backendOption } from './backend-option';
import { countOf } from '../core/count-words';
import { commandAgain, unrepeatableArgument } from './command-again';
import { EXIT_FAILURE, EXIT_OK, onCheckpointingStop, signalExitCode, type StopSignal } from './exit-codes';
import { runPretrainingStage } from './pretraining-stage';
import { assertModelSizeFits } from './model-size-limits';
import { loadModelInitBeforeStart } from '../pretrain/pretrained-body';

/** Parses `--workers`: 1..{@link MAX_LOCAL_WORKERS}, a larger count (however large) refused with the local limit. */
const workerCount = boundedInt(1, MAX_LOCAL_WORKERS, { tooLarge: (written) => tooManyLocalWorkers('--workers', written) });

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('run')
    .description('meta-train, evaluate and compress a run locally: a coordinator and N worker processes over loopback gRPC')
    .argument('<config>', 'run config (YAML), e.g. examples/quickstart.yaml')
    .option('--workers <n>', 'worker processes (overrides runtime.workers); at most 64, and no more than free memory holds at about 512 MiB each', workerCount)
    .addOption(backendOption('tfjs backend of the workers', '(overrides runtime.backend)'))
    .option('--out <dir>', 'run directory (overrides runtime.outDir)', pathOption('--out'))
    .option('--resume', 'continue from the newest valid checkpoint in the run directory (an error when it holds none)', false)
    .option('--linger-seconds <s>', 'after the run, keep its processes, metrics and status up this long (for Prometheus or metatrain watch)', seconds, 0)
    .action(async (file: string, o: { workers?: number; backend?: string; out?: string; resume: boolean; lingerSeconds: number }, command: Command) => {
      const base = await loadRunConfig(file);
      const config = parseRunConfig({
        ...base,
        runtime: { ...base.runtime, ...(o.workers ? { workers: o.workers } : {}), ...(o.backend ? { backend: o.backend } : {}), ...(o.out ? { outDir: o.out } : {}) },
      });
      assertLocalWorkerCount(config.runtime.workers, o.workers ? '--workers' : 'runtime.workers');
      assertConfigInputsReadable(config);
      assertRunDirectoryPath(config, o.out);
      assertModelSizeFits(config, 'run');
      for (const warning of runtimeWarnings(config.runtime, 'run')) process.stderr.write(`warning: ${warning}\n`);
      // From here a stop signal is handled by this command: before the cluster exists it ends the command at once
      // (or, during pretraining, after the current step); then it stops the cluster, which checkpoints.
      let cluster: LocalCluster | undefined;
      let pretraining = false;
      let stopping = false;
      let stepCompleted = false;
      // The options given, repeated (a resume with other workers or another backend would not go on the same way);
      // a config read from a pipe (`<(envsubst < run.yaml)`, a named pipe) is not, and the hint says so after the command.
      const piped = unrepeatableArgument(file, 'config');
      const again: Again = { line: commandAgain(command, [piped ?? file], ['--resume']), note: piped ? ` (${piped.note})` : '' };
      /** Exits 128 + signal, saying how to go on (no meta-training step ran in this process); a second call waits for the first. */
      let exiting: Promise<never> | undefined;
      const stopBeforeStart = (signal: StopSignal): Promise<never> =>
        (exiting ??= (async () => {
          process.stderr.write(`stopped before meta-training started; ${await continueHint(config, again)}\n`);
          process.exit(signalExitCode(signal));
        })());
      const signals = onCheckpointingStop(
        () => stepCompleted,
        (signal) => {
          stopping = true;
          if (cluster) void cluster.stop();
          else if (!pretraining) void stopBeforeStart(signal);
        },
        () => cluster?.state === 'lingering',
      );
      // Checked before anything is created or started: a mistyped --out must not start a new run from step 0, a
      // new run must not start over an earlier one's checkpoints, nor among files that are not a run's.
      const mode = o.resume ? 'resume' : 'new';
      await lockRunDirectoryAfter(config, async () => {
        await assertRunDirectoryFitsStart(config, 'run', mode, o.out);
        // The compression stage publishes <run dir>/compressed by a rename, as `compress --out` does.
        if (config.compression.enabled) await assertRunCompressedDirectory(config, o.resume, 'run');
      });
      // A new run refuses a user's files in checkpoints/ (assertOnlyRunFiles); a resumed one keeps them, and says so.
      await warnOfKeptFiles(config, mode, o.out);
      const pretrained = await loadModelInitBeforeStart(config);
      // A backend that cannot load (e.g. tensorflow without tfjs-node) is reported here, before any worker starts.
      await initBackend(config.runtime.backend);
      if (config.model.init === 'pretrained') {
        // In this process, before the cluster starts; resumes (or finds finished) <run dir>/pretrained.
        pretraining = true;
        const pretrained = await runPretrainingStage(config, { stopping: () => stopping, onStep: () => (stepCompleted = true) });
        pretraining = false;
        stepCompleted = false;
        if (pretrained.step < config.pretraining!.steps) {
          process.stderr.write(`stopped during pretraining at step ${pretrained.step}; continue with: ${again.line}${again.note}\n`);
          process.exit(signalExitCode(signals.received ?? 'SIGINT'));
        }
      }
      if (stopping) await stopBeforeStart(signals.received ?? 'SIGINT');
      // Without this line the terminal sat silent after `[succeeded] run complete` for the whole linger.
      const onLinger = () => process.stderr.write(`lingering for ${o.lingerSeconds} s so that metatrain watch and Prometheus can read the final state; the results follow (Ctrl-C ends it now)\n`);
      cluster = new LocalCluster({ config, resume: o.resume, lingerMs: 1000 * o.lingerSeconds, onLinger, writeReport: writeRunReport, pretrained });
      cluster.coordinator.events.on('step', () => (stepCompleted = true));
      const stopProgress = showProgress(cluster.coordinator.events, taskMetric(config));
      const port = await cluster.start();
      process.stderr.write(`run ${config.name}: coordinator on 127.0.0.1:${port}, ${countOf(config.runtime.workers, `${config.runtime.backend} worker`)}, logs in ${cluster.logDir}, Prometheus targets in ${join(runDir(config), TARGETS_FILE)}; follow it from another terminal with: metatrain watch ${config.name} --coordinator ${cluster.statusUrl}${o.lingerSeconds === 0 ? ' (it shows the run while it runs; to see the final state too, start the run with --linger-seconds S: the coordinator then stays up S seconds after the run ends)' : ''}\n`);
      const summary = await cluster.run();
      stopProgress();
      const dir = runDir(config);
      process.stdout.write(`${formatSummary(summary, { summary: join(dir, SUMMARY_FILE), report: join(dir, REPORT_FILE), logs: cluster.logDir })}\n`);
      if (summary.compression?.status === 'succeeded') {
        const report = await committedReport(summary.compression.outDir);
        if (report) process.stdout.write(`${formatCompression(report, summary.compression.outDir)}\n`);
      } else if (summary.compression?.status === 'failed') {
        process.stderr.write(`compression failed after ${countOf(summary.compression.attempts, 'attempt')}: ${summary.compression.error}\n`);
        process.exit(EXIT_FAILURE);
      }
      // Stopped by Ctrl-C or SIGTERM, during meta-training or evaluation, or while waiting for compression (its job then stays
      // `queued`): not a success; --resume continues where it stopped, if a checkpoint was written.
      if (summary.reason === 'stopped' || summary.compression?.status === 'queued') {
        const where = summary.reason === 'stopped' ? `at step ${summary.steps}` : 'during compression';
        process.stderr.write(`stopped ${where}; ${await continueHint(config, again)}\n`);
        process.exit(signalExitCode(signals.received ?? 'SIGINT'));
      }
      process.exit(EXIT_OK);
    });
}

/** The command of a run, repeated in its hints: `line` (`--resume` left out), then `note`: `''` or ` (why …)`. */
interface Again {
  readonly line: string;
  readonly note: string;
}

/**
 * How to go on with a stopped run whose command was `again` (`metatrain run FILE [OPTIONS]`): with `--resume`
 * when the run directory holds a checkpoint, else the same command without it (`--resume` would be refused).
 */
async function continueHint(config: RunConfig, again: Again): Promise<string> {
  const checkpoints = await checkpointStoreOf(config).list();
  return checkpoints.length > 0 ? `continue with: ${again.line} --resume${again.note}` : `no checkpoint was written: start again with: ${again.line} (without --resume)${again.note}`;
}
