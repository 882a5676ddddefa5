/**
 * `metatrain coordinator --config FILE`: runs a coordinator process (Kubernetes, or by hand). With
 * `runtime.metricsPort` set it serves `/metrics`, `/healthz`, `/readyz` and `/status` there, on the host of its
 * gRPC listen address. When the run ends it lingers (`--linger-seconds`, default 30 with metrics, else 0), still
 * serving its status and metrics, so that Prometheus scrapes and `metatrain watch` sees the final phase; SIGTERM
 * cuts the linger short. In a cluster (pod) it lingers until SIGTERM. Exit codes (src/cli/exit-codes.ts): 0 when
 * the run finished (a signal during the linger included), 1 when it failed, 130 / 143 when SIGINT / SIGTERM
 * stopped it (after its checkpoint); a second signal exits at once.
 */
import type { Command } from 'commander';
import { loadRunConfig } from '../core/config';
import { assertConfigInputsReadable } from '../core/config-inputs';
import { assertRunDirectoryPath } from './run-directory-path';
import { assertRunDirectoryFitsStart, warnOfKeptFiles } from './run-directory-start';
import { lockRunDirectoryAfter } from './run-directory-lock';
import { assertModelSizeFits } from './model-size-limits';
import { assertRunCompressedDirectory } from './compression-out-directory';
import { listenHost, serveHttpEndpoints } from '../core/http-endpoints';
import { createLogger } from '../core/logger';
import { createMetricsRegistry } from '../core/metrics';
import { Coordinator } from '../coordinator/coordinator';
import { runtimeWarnings } from '../coordinator/runtime-config';
import { clusterPod, watchWorkerPods } from '../k8s/coordinator-cluster-mode';
import { openRunBus } from '../bus/run-bus';
import { writeRunReport } from '../report';
import { EXIT_OK, onCheckpointingStop, signalExitCode } from './exit-codes';
import { listenAddress, readToken, seconds, tlsFiles } from './options';
import { loadModelInitBeforeStart } from '../pretrain/pretrained-body';

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('coordinator')
    .description('run the coordinator of a run: workers join it over gRPC')
    .requiredOption('--config <file>', 'run config (YAML)')
    .option('--listen <address>', 'gRPC listen address host:port, port 0 = any free port (overrides runtime.listen)', listenAddress)
    .option('--resume', 'continue from the newest valid checkpoint; with none yet, start a new run (the Kubernetes Deployment always passes it, so a first start and a restarted pod run the same command)', false)
    .option('--token-file <file>', 'file holding the run token (default: env METATRAIN_TOKEN)')
    .option('--tls-ca <file>', 'CA of the worker certificates (mutual TLS)')
    .option('--tls-cert <file>', 'coordinator certificate')
    .option('--tls-key <file>', 'coordinator private key')
    .option('--linger-seconds <s>', 'keep serving status and metrics this long after the run ends (default: 30 with runtime.metricsPort, else 0)', seconds)
    .action(async (o: { config: string; listen?: string; resume: boolean; tokenFile?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string; lingerSeconds?: number }) => {
      const config = await loadRunConfig(o.config);
      assertConfigInputsReadable(config);
      assertRunDirectoryPath(config);
      assertModelSizeFits(config, 'coordinator');
      const tls = tlsFiles(o);
      const token = await readToken(o.tokenFile);
      // Before it listens or says `meta-training`: a refused start must not have claimed either, nor linger.
      // The run directory is this process's alone, as for `run`: a second coordinator, a `run` or a `compress` into
      // <run dir>/compressed is refused. Not in a pod: there the Deployment (one replica, Recreate) sees to that, and
      // a pod's host name changes with each restart, so the lock of one killed by SIGKILL would look held for ever.
      const mode = o.resume ? 'resume-if-any' : 'new';
      const checkRunDirectory = async (): Promise<void> => {
        await assertRunDirectoryFitsStart(config, 'coordinator', mode);
        // The compressor publishes <run dir>/compressed by a rename, as `compress --out` does: what is in the way is
        // refused now, not after the run.
        if (config.compression.enabled && config.nats) await assertRunCompressedDirectory(config, o.resume, 'the compressor');
      };
      if (clusterPod()) await checkRunDirectory();
      else await lockRunDirectoryAfter(config, checkRunDirectory);
      // A resumed run keeps a user's files in checkpoints/ and pretrained/, as `run --resume` does, and says so.
      await warnOfKeptFiles(config, mode);
      const pretrained = await loadModelInitBeforeStart(config);
      const log = createLogger('coordinator');
      for (const warning of runtimeWarnings(config.runtime, 'coordinator')) process.stderr.write(`warning: ${warning}\n`);
      const metricsPort = config.runtime.metricsPort;
      const registry = metricsPort === undefined ? undefined : createMetricsRegistry({ run: config.name });
      const bus = config.nats ? await openRunBus(config.nats.url, config.name, 'coordinator') : undefined;
      for (const warning of bus?.warnings ?? []) log.warn(warning);
      if (config.compression.enabled && !bus) log.warn('compression.enabled but no nats.url: compression is not scheduled (run metatrain compress --checkpoint DIR by hand)');
      const pods = await watchWorkerPods(config.runtime.workers, log, (message) => {
        if (coordinator.dispatcher.workerCount === 0) log.warn(message);
      });
      const coordinator = new Coordinator({ config, token, tls, resume: o.resume, log, registry, compressionQueue: bus?.queue, waitingForWorkers: pods?.message, writeReport: writeRunReport, pretrained });
      bus?.forward(coordinator.events);
      const listenSetting = o.listen === undefined ? 'runtime.listen' : '--listen';
      const port = await coordinator.start(o.listen).catch((err: Error) => {
        throw new Error(`${listenSetting}: ${err.message}`);
      });
      const endpoints =
        registry && (await serveHttpEndpoints({ registry, port: metricsPort!, host: listenHost(o.listen ?? config.runtime.listen), status: () => coordinator.status(), portSetting: 'runtime.metricsPort', hostSetting: listenSetting }));
      log.info({ port }, 'listening');
      if (endpoints) log.info({ port: endpoints.port }, 'serving /metrics, /healthz, /readyz, /status');
      process.stdout.write(`${JSON.stringify({ event: 'listening', port, ...(endpoints ? { metricsPort: endpoints.port } : {}) })}\n`);
      let stopping = false;
      let lingering = false;
      let endLinger = () => {};
      // A stop says it checkpoints only when a step completed in this process and the run has not ended since.
      let stepCompleted = false;
      coordinator.events.on('step', () => (stepCompleted = true));
      const signals = onCheckpointingStop(
        () => stepCompleted,
        () => {
          stopping = true;
          endLinger();
          void coordinator.stop();
        },
        () => lingering,
      );
      let stoppedBySignal = false;
      try {
        const summary = await coordinator.run();
        stoppedBySignal = summary.reason === 'stopped';
        process.stdout.write(`${JSON.stringify({ event: 'finished', reason: summary.reason, steps: summary.steps, checkpoint: summary.checkpoint })}\n`);
      } finally {
        stepCompleted = false;
        // In a cluster (pod), a finished coordinator keeps serving its status until it is deleted: exiting would
        // make its Deployment restart it and redo the evaluation.
        const lingerMs = pods ? Infinity : 1000 * (o.lingerSeconds ?? (endpoints ? 30 : 0));
        if (lingerMs > 0 && !stopping) {
          lingering = true;
          await new Promise<void>((resolve) => {
            endLinger = resolve;
            if (Number.isFinite(lingerMs)) setTimeout(resolve, lingerMs);
          });
        }
        await coordinator.close();
        await endpoints?.close();
        await bus?.close();
        pods?.stop();
      }
      // A signal that stopped the run: 128 + signal; one that only ended the linger after the run finished: 0.
      process.exit(stoppedBySignal ? signalExitCode(signals.received ?? 'SIGTERM') : EXIT_OK);
    });
}
