/**
 * What to start when no compressor takes a run's compression jobs (the coordinator's warning while it waits in
 * `compressing`; src/bus/job-queue.ts `waitForOutcome`): a command that serves the job as it is, so pasting it works.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RunConfig } from '../core/config';
import { shellWord } from '../core/shell-word';
import { natsUrlShown } from '../bus/nats-servers';

/**
 * `On Kubernetes, check the Deployment RUN-compressor; elsewhere start one: cd CWD && metatrain compressor --nats URL
 * --run RUN --out-root DIR`, the command last (pasted to the end of the line, it runs), each word quoted for a POSIX
 * shell where it needs it: URL the run's `nats.url`, its password or token shown as `…` (the advice then says to put
 * it in); DIR the directory holding the job's `outDir` (a compressor writes only under its `--out-root`, default
 * `/var/lib/metatrain`); `cd CWD &&` when `outDir` is relative (a compressor reads the job's paths from its own
 * working directory).
 * @param outDir the job's output directory, as the job carries it.
 * @param cwd the coordinator's working directory. @default process.cwd()
 * Never throws (a config without `nats.url`, which has no compressor to start, gets `--nats URL`).
 */
export function startCompressorAdvice(config: RunConfig, outDir: string, cwd = process.cwd()): string {
  const url = config.nats?.url ?? 'URL';
  const nats = natsUrlShown(url);
  const secret = nats === url ? '' : ', with the password or token of nats.url where it shows …';
  const cd = isAbsolute(outDir) ? '' : `cd ${shellWord(cwd)} && `;
  const command = `${cd}metatrain compressor --nats ${shellWord(nats)} --run ${config.name} --out-root ${shellWord(resolve(cwd, dirname(outDir)))}`;
  return `On Kubernetes, check the Deployment ${config.name}-compressor; elsewhere start one${secret}: ${command}`;
}
