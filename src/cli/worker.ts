/**
 * `metatrain worker --coordinator HOST:PORT`: joins a run and executes its tasks. With `--metrics-port` (or env
 * `METATRAIN_METRICS_PORT`) it serves `/metrics`, `/healthz` and `/readyz` on `--metrics-host` (default 0.0.0.0;
 * ready while joined to a run).
 * It leaves when the coordinator says the run is over (`Finished`: succeeded or failed for good), unless
 * `--stay-after-run` (`metatrain run` and the Kubernetes Deployment pass it: their launcher owns the worker's
 * lifetime). Exit codes (src/cli/exit-codes.ts): 0 when the run is over or its parent went away
 * (`--exit-with-parent`), 130 / 143 when stopped by SIGINT / SIGTERM, 1 when it gives up (a permanent error, a bad
 * TLS file).
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { serveHttpEndpoints } from '../core/http-endpoints';
import { createLogger } from '../core/logger';
import { createMetricsRegistry } from '../core/metrics';
import { BACKEND_NAMES, type BackendName } from '../model/backend';
import { coalescingEngine } from '../worker/task-coalescer';
import { createTfjsEngine } from '../worker/tfjs-engine';
import { WorkerMetrics } from '../worker/metrics';
import { EXIT_OK, onStopSignals, signalExitCode } from './exit-codes';
import { Worker } from '../worker/worker';
import { configFieldInt, metricsPortChoice, milliseconds, portNumber, readToken, tlsFiles, hostPort } from './options';
import { MIN_KEEPALIVE_REASON, runtimeSchema } from '../coordinator/runtime-config';
import { backendOption } from './backend-option';
import { metricsHostOption } from './metrics-host-option';

/** Parses `--concurrency` by the bounds of its config twin, `runtime.workerConcurrency` (1..64). */
const concurrency = configFieldInt(runtimeSchema, ['workerConcurrency']);
/** Parses `--keepalive-ms` by the bounds and words of its config twin, `runtime.keepaliveMs` (at least 1000 ms). */
const keepaliveMs = configFieldInt(runtimeSchema, ['keepaliveMs'], { unit: ' ms', why: `as runtime.keepaliveMs, ${MIN_KEEPALIVE_REASON}` });

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('join a coordinator and run its inner-loop tasks')
    .requiredOption('--coordinator <address>', 'coordinator gRPC address host:port', hostPort)
    .addOption(backendOption('tfjs backend', '(default: env METATRAIN_BACKEND, else the run config)'))
    .option('--concurrency <n>', 'tasks accepted at once, at most 64 (train/eval tasks held together run as one task-vectorized batch)', concurrency, 1)
    .option('--name <name>', 'worker name in logs and metrics')
    .option('--max-backoff-ms <ms>', 'largest reconnect delay', milliseconds, 5000)
    .option('--keepalive-ms <ms>', "gRPC keepalive ping interval and timeout toward the coordinator, at least 1000 (metatrain run passes the run's runtime.keepaliveMs)", keepaliveMs, 5000)
    .option('--token-file <file>', 'file holding the run token (default: env METATRAIN_TOKEN)')
    .option('--tls-ca <file>', 'CA of the coordinator certificate (mutual TLS)')
    .option('--tls-cert <file>', 'worker certificate')
    .option('--tls-key <file>', 'worker private key')
    .option('--log-file <file>', 'write logs to this file instead of stderr')
    .option('--exit-with-parent', 'leave the run when stdin closes (used by metatrain run for its worker processes)', false)
    .option('--stay-after-run', 'stay joined when the run is over, for the coordinator\'s next run, instead of exiting 0 (used by metatrain run and the Kubernetes Deployment)', false)
    .option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz on this port, 0 = any free port (default: env METATRAIN_METRICS_PORT, else none)', portNumber)
    .addOption(metricsHostOption())
    .action(async (o: { coordinator: string; backend?: string; concurrency: number; name?: string; maxBackoffMs: number; keepaliveMs: number; tokenFile?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string; logFile?: string; metricsPort?: number; metricsHost: string; exitWithParent: boolean; stayAfterRun: boolean }) => {
      const chosen = o.backend ?? process.env.METATRAIN_BACKEND;
      if (chosen !== undefined && !BACKEND_NAMES.includes(chosen as BackendName)) {
        throw new Error(`unknown backend ${JSON.stringify(chosen)}: choose one of ${BACKEND_NAMES.join(', ')}`);
      }
      const tls = tlsFiles(o);
      const log = createLogger('worker', o.logFile);
      const metricsPort = metricsPortChoice(o.metricsPort);
      const name = o.name ?? `${hostname()}-${process.pid}`;
      const registry = metricsPort === undefined ? undefined : createMetricsRegistry();
      const metrics = registry && new WorkerMetrics(registry, name);
      const endpoints = registry && (await serveHttpEndpoints({ registry, port: metricsPort!.port, host: o.metricsHost, ready: () => metrics!.connected, portSetting: metricsPort!.setting, hostSetting: '--metrics-host' }));
      if (endpoints) log.info({ port: endpoints.port }, 'serving /metrics, /healthz, /readyz');
      const worker = new Worker({
        address: o.coordinator,
        token: await readToken(o.tokenFile),
        tls,
        name,
        concurrency: o.concurrency,
        maxBackoffMs: o.maxBackoffMs,
        keepaliveMs: o.keepaliveMs,
        stayAfterRun: o.stayAfterRun,
        backend: chosen ?? 'config',
        createEngine: async (config) => coalescingEngine(await createTfjsEngine(config, (chosen as BackendName | undefined) ?? config.runtime.backend)),
        log,
        observer: metrics,
      });
      const stop = () => worker.stop();
      const signals = onStopSignals(stop);
      if (o.exitWithParent) {
        // Started by `metatrain run` with a pipe on stdin: the pipe closes when that process ends, however it ends.
        process.stdin.on('close', stop);
        process.stdin.on('end', stop);
        process.stdin.resume();
      }
      await worker.run();
      await endpoints?.close();
      process.exit(signals.received ? signalExitCode(signals.received) : EXIT_OK);
    });
}
