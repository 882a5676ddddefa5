/** `metatrain worker --coordinator HOST:PORT`: joins a run and executes its tasks. */
import type { Command } from 'commander';
import { createLogger } from '../core/logger';
import { BACKEND_NAMES, type BackendName } from '../model/backend';
import { createTfjsEngine } from '../worker/tfjs-engine';
import { Worker } from '../worker/worker';
import { positiveInt, readToken, tlsFiles } from './options';

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('join a coordinator and run its inner-loop tasks')
    .requiredOption('--coordinator <address>', 'coordinator gRPC address host:port')
    .option('--backend <name>', `tfjs backend: ${BACKEND_NAMES.join(', ')} (default: env METATRAIN_BACKEND, else the run config)`)
    .option('--concurrency <n>', 'tasks accepted at once', positiveInt, 1)
    .option('--name <name>', 'worker name in logs and metrics')
    .option('--max-backoff-ms <ms>', 'largest reconnect delay', positiveInt, 5000)
    .option('--token-file <file>', 'file holding the run token (default: env METATRAIN_TOKEN)')
    .option('--tls-ca <file>', 'CA of the coordinator certificate (mutual TLS)')
    .option('--tls-cert <file>', 'worker certificate')
    .option('--tls-key <file>', 'worker private key')
    .option('--log-file <file>', 'write logs to this file instead of stderr')
    .action(async (o: { coordinator: string; backend?: string; concurrency: number; name?: string; maxBackoffMs: number; tokenFile?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string; logFile?: string }) => {
      const chosen = o.backend ?? process.env.METATRAIN_BACKEND;
      if (chosen !== undefined && !BACKEND_NAMES.includes(chosen as BackendName)) {
        throw new Error(`unknown backend ${JSON.stringify(chosen)}: choose one of ${BACKEND_NAMES.join(', ')}`);
      }
      const log = createLogger('worker', o.logFile);
      const worker = new Worker({
        address: o.coordinator,
        token: readToken(o.tokenFile),
        tls: tlsFiles(o),
        name: o.name,
        concurrency: o.concurrency,
        maxBackoffMs: o.maxBackoffMs,
        backend: chosen ?? 'config',
        createEngine: (config) => createTfjsEngine(config, (chosen as BackendName | undefined) ?? config.runtime.backend),
        log,
      });
      const stop = () => worker.stop();
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      await worker.run();
      process.exit(0);
    });
}
