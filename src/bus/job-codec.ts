/** Encoding and validation of compression jobs as they travel on a queue (JSON, UTF-8). */
import { parseRecordedConfig, recordedRunConfig } from '../core/config';
import { ConfigError, ProtocolError } from '../core/errors';
import type { CompressionJob } from './job-queue';

const JOB_ID = /^[A-Za-z0-9_-]{1,200}$/;

/** JSON bytes of a job (a few KB: the config dominates), its config as recorded (`recordedRunConfig`: no NATS secrets). */
export function encodeJob(job: CompressionJob): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...job, config: recordedRunConfig(job.config) }));
}

/**
 * Validates a job received from a queue (or built by hand) and returns it with its config validated as a checkpoint
 * records it (`parseRecordedConfig`: its `nats.url` unchecked; the compressor dials its own `--nats`).
 * @throws ProtocolError naming the bad field (`jobId`, `run`, `checkpoint`, `outDir`, `config.<path>`).
 */
export function parseJob(raw: unknown): CompressionJob {
  if (typeof raw !== 'object' || raw === null) throw new ProtocolError('compression job is not a JSON object');
  const j = raw as Record<string, unknown>;
  if (typeof j.jobId !== 'string' || !JOB_ID.test(j.jobId)) {
    throw new ProtocolError(`compression job: jobId must match [A-Za-z0-9_-]{1,200}, got ${JSON.stringify(j.jobId)}`);
  }
  for (const field of ['run', 'checkpoint', 'outDir'] as const) {
    if (typeof j[field] !== 'string' || j[field] === '') throw new ProtocolError(`compression job ${j.jobId}: ${field} must be a non-empty string`);
  }
  let config;
  try {
    config = parseRecordedConfig(j.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new ProtocolError(`compression job ${j.jobId}: config: ${e.message}`, { cause: e });
    throw e;
  }
  if (config.name !== j.run) throw new ProtocolError(`compression job ${j.jobId}: run ${JSON.stringify(j.run)} differs from config.name ${JSON.stringify(config.name)}`);
  return { jobId: j.jobId, run: j.run as string, checkpoint: j.checkpoint as string, config, outDir: j.outDir as string };
}

/**
 * Decodes and validates job bytes.
 * @throws ProtocolError when they are not JSON or not a valid job.
 */
export function decodeJob(bytes: Uint8Array): CompressionJob {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ProtocolError(`compression job is not JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseJob(raw);
}
