/**
 * What to start when no compressor takes a run's compression jobs (the coordinator's warning while it waits in
 * `compressing`; src/bus/job-queue.ts `waitForOutcome`): a command that serves the job as it is, so pasting it works.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RunConfig } from '../core/config';
import { natsUrlShown } from '../bus/nats-servers';

/**
 * `start one from CWD (metatrain compressor --nats URL --run RUN --out-root DIR; on Kubernetes the Deployment
 * RUN-compressor)`: URL the run's `nats.url`, its passwords shown as `…`; DIR the directory holding the job's
 * `outDir` (a compressor writes only under its `--out-root`, default `/var/lib/metatrain`); `from CWD` when `outDir`
 * is relative (a compressor reads the job's paths from its own working directory).
 * @param outDir the job's output directory, as the job carries it.
 * @param cwd the coordinator's working directory. @default process.cwd()
 * @throws Error when the config has no `nats.url` (no JetStream queue, so no compressor to start).
 */
export function startCompressorAdvice(config: RunConfig, outDir: string, cwd = process.cwd()): string {
  if (!config.nats) throw new Error(`run ${config.name} has no nats.url: its compression runs in the coordinator`);
  const from = isAbsolute(outDir) ? '' : ` from ${cwd}`;
  return `start one${from} (metatrain compressor --nats ${natsUrlShown(config.nats.url)} --run ${config.name} --out-root ${resolve(cwd, dirname(outDir))}; on Kubernetes the Deployment ${config.name}-compressor)`;
}
