/**
 * `metatrain compressor --nats URL`: consumes compression jobs from the JetStream work queue, one at a time, until
 * SIGTERM/SIGINT; then lets the running job finish within `--grace-ms`, or hands it back (another compressor
 * takes it at once), and exits 128 + signal (143 for SIGTERM, 130 for SIGINT: src/cli/exit-codes.ts). With
 * `--metrics-port` (or env METATRAIN_METRICS_PORT) it serves /metrics, /healthz and /readyz on `--metrics-host`
 * (default 0.0.0.0; ready while connected to NATS with the JetStream consumer up: the Deployment's readiness probe).
 * It publishes a job's result only inside `--out-root` (src/compress/job-out-root.ts): a job names its `outDir`, and
 * anyone who can publish on the subject could otherwise have it written anywhere the compressor can write.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { connectNats } from '../bus/nats-connection';
import { natsUrlShown } from '../bus/nats-servers';
import { JetStreamJobQueue } from '../bus/job-queue-jetstream';
import { startCompressor } from '../compress/compressor';
import { CompressorMetrics } from '../compress/metrics';
import { serveHttpEndpoints } from '../core/http-endpoints';
import { createLogger } from '../core/logger';
import { createMetricsRegistry } from '../core/metrics';
import type { BackendName } from '../model/backend';
import { onStopSignals, signalExitCode } from './exit-codes';
import { configFieldInt, metricsPortChoice, milliseconds, natsServersOption, pathOption, portNumber, runName } from './options';
import { runtimeSchema } from '../coordinator/runtime-config';
import { DATA_ROOT } from '../k8s/settings';
import { metricsHostOption } from './metrics-host-option';
import { backendOption } from './backend-option';

/** Parses `--max-attempts` with the bounds of a run's `runtime.maxAttempts`. */
const maxAttempts = configFieldInt(runtimeSchema, ['maxAttempts']);

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('compressor')
    .description('consume compression jobs (distillation, pruning, int8 quantization, ONNX export) from the NATS JetStream work queue')
    .requiredOption('--nats <url>', 'NATS server URL, e.g. nats://nats:4222', natsServersOption('--nats'))
    .option('--name <name>', 'consumer name in events and logs (default: <hostname>-<pid>)')
    .option('--run <run>', "take only this run's jobs (durable consumer compressors-<run>; the Kubernetes manifests give it): a compressor whose volume holds one run's checkpoints (default: every run's jobs, consumer compressors)", runName)
    .addOption(backendOption('tfjs backend', '', 'wasm'))
    .option('--ack-wait-ms <ms>', 'lease of a job: redelivered to another compressor when not renewed (heartbeats every third of it) within this time', milliseconds, 30_000)
    .option('--max-attempts <n>', 'attempts of a job before it fails for good, at most 100', maxAttempts, 3)
    .option('--backoff-ms <ms>', 'delay before the second attempt, doubled for each further one', milliseconds, 1000)
    .option('--grace-ms <ms>', 'on SIGTERM, time the running job gets to finish before it is handed back', milliseconds, 10_000)
    .option('--out-root <dir>', `write compressed models only inside this directory: a job whose outDir is elsewhere fails for good (default: ${DATA_ROOT}, under which the Kubernetes manifests mount each run's volume)`, pathOption('--out-root'), DATA_ROOT)
    .option('--log-file <file>', 'append JSON logs to this file instead of stderr')
    .option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz on this port (default: env METATRAIN_METRICS_PORT, else none)', portNumber)
    .addOption(metricsHostOption())
    .action(async (o: { nats: string; name?: string; run?: string; backend: string; ackWaitMs: number; maxAttempts: number; backoffMs: number; graceMs: number; logFile?: string; metricsPort?: number; metricsHost: string; outRoot: string }) => {
      const log = createLogger('compressor', o.logFile);
      const metricsPort = metricsPortChoice(o.metricsPort);
      const nc = await connectNats(o.nats, { name: o.name ?? `compressor-${process.pid}` });
      const queue = new JetStreamJobQueue(nc, { ackWaitMs: o.ackWaitMs, maxAttempts: o.maxAttempts, backoffMs: o.backoffMs });
      const registry = createMetricsRegistry();
      // Bound before the consumer starts: a metrics address that cannot be bound must not have taken a job first.
      let ready = () => false;
      const endpoints = metricsPort === undefined ? undefined : await serveHttpEndpoints({ registry, port: metricsPort.port, host: o.metricsHost, ready: () => ready(), portSetting: metricsPort.setting, hostSetting: '--metrics-host' });
      const consumer = startCompressor(queue, { log, backend: o.backend as BackendName, name: o.name, run: o.run, metrics: new CompressorMetrics(registry), outRoot: resolve(o.outRoot) });
      ready = () => consumer.ready;
      log.info({ nats: natsUrlShown(o.nats), run: o.run, ackWaitMs: o.ackWaitMs, maxAttempts: o.maxAttempts }, 'compressor consuming');
      process.stderr.write(`compressor consuming ${o.run === undefined ? "every run's" : `run ${o.run}'s`} compression jobs from ${natsUrlShown(o.nats)}\n`);
      let signalled = false;
      onStopSignals((signal) => {
        if (signalled) return;
        signalled = true;
        log.info({ signal }, 'stopping: finishing or handing back the current job');
        void (async () => {
          try {
            await consumer.stop(o.graceMs);
            await endpoints?.close();
            await nc.drain();
          } catch (err) {
            // NATS unreachable (an outage): nothing left to drain; the exit still says which signal stopped it.
            log.warn({ err: (err as Error).message }, 'stopping without draining the NATS connection');
          } finally {
            process.exit(signalExitCode(signal));
          }
        })();
      });
      await consumer.stopped;
    });
}
