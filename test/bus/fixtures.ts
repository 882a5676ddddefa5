/** Jobs and event capture shared by the queue tests. */
import type { NatsConnection } from '@nats-io/nats-core';
import { parseRunConfig } from '../../src/core/config';
import type { CompressionJob } from '../../src/bus/job-queue';
import { parseRunEventMessage, runEventsWildcard, type RunEventMessage } from '../../src/bus/run-subjects';

/** A valid job of run `run` (the config is a small sinusoid run; queue tests never read the checkpoint). */
export function testJob(run: string, jobId: string): CompressionJob {
  const config = parseRunConfig({ name: run, task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } });
  return { jobId, run, checkpoint: `/nonexistent/${jobId}`, config, outDir: `/tmp/${jobId}` };
}

/** Collects every run event of `run` published on `nc`. */
export function captureRunEvents(nc: NatsConnection, run: string): RunEventMessage[] {
  const seen: RunEventMessage[] = [];
  nc.subscribe(runEventsWildcard(run), { callback: (_err, msg) => void seen.push(parseRunEventMessage(msg.string())) });
  return seen;
}

/** Resolves when `predicate()` holds, polling every 50 ms; rejects after `timeoutMs` naming `what`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
