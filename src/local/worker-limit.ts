/**
 * How many worker processes `metatrain run` may start on this machine: at most {@link MAX_LOCAL_WORKERS}, and no
 * more than free memory holds at {@link WORKER_MEMORY_ESTIMATE_BYTES} each. Checked before any process starts.
 */
import { freemem } from 'node:os';
import { WorkerCountError } from '../core/errors';

/**
 * Most local worker processes: 64. Each is a Node process with its own tfjs backend; past a few per core they only
 * compete for it. A larger cluster runs on Kubernetes (`metatrain launch`, where `runtime.workers` has no such cap).
 */
export const MAX_LOCAL_WORKERS = 64;

/**
 * Memory one local worker is expected to take: 512 MiB. Measured resident size with the wasm backend: about 190 MB
 * for the sinusoid MLP, 420 MB for the quickstart's Transformer (examples/quickstart.yaml).
 */
export const WORKER_MEMORY_ESTIMATE_BYTES = 512 * 1024 * 1024;

const MIB = 1024 * 1024;

/**
 * The error for a local worker count above {@link MAX_LOCAL_WORKERS}, `written` as the user wrote it (digits beyond
 * what a JavaScript number holds too): `--workers 65: metatrain run starts at most 64 local worker processes
 * (MAX_LOCAL_WORKERS); run more on Kubernetes with metatrain launch`.
 * @param source what set the count: `--workers` or `runtime.workers`.
 */
export function tooManyLocalWorkers(source: string, written: string): WorkerCountError {
  return new WorkerCountError(`${source} ${written}: metatrain run starts at most ${MAX_LOCAL_WORKERS} local worker processes (MAX_LOCAL_WORKERS); run more on Kubernetes with metatrain launch`);
}

/**
 * Refuses a local worker count beyond {@link MAX_LOCAL_WORKERS} or beyond what `freeBytes` holds at
 * {@link WORKER_MEMORY_ESTIMATE_BYTES} per worker (one worker is always allowed).
 * @param source what set the count, named in the error: `--workers` or `runtime.workers`.
 * @param freeBytes free memory. @default os.freemem() (MemAvailable on Linux)
 * @throws WorkerCountError naming `source`, the count and the limit it exceeds.
 */
export function assertLocalWorkerCount(count: number, source: string, freeBytes = freemem()): void {
  if (count > MAX_LOCAL_WORKERS) throw tooManyLocalWorkers(source, String(count));
  const fit = Math.max(1, Math.floor(freeBytes / WORKER_MEMORY_ESTIMATE_BYTES));
  if (count > fit) {
    throw new WorkerCountError(
      `${source} ${count}: free memory (${Math.floor(freeBytes / MIB)} MiB) holds at most ${fit} local worker processes at about ${WORKER_MEMORY_ESTIMATE_BYTES / MIB} MiB each (WORKER_MEMORY_ESTIMATE_BYTES)`,
    );
  }
}
