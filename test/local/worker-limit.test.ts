import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerCountError } from '../../src/core/errors';
import { assertLocalWorkerCount, MAX_LOCAL_WORKERS, WORKER_MEMORY_ESTIMATE_BYTES } from '../../src/local/worker-limit';

const GIB = 1024 ** 3;

test('local worker counts beyond 64 are refused, naming the source and the limit, whatever the memory', () => {
  assert.equal(MAX_LOCAL_WORKERS, 64);
  assert.doesNotThrow(() => assertLocalWorkerCount(64, '--workers', 1024 * GIB));
  assert.throws(() => assertLocalWorkerCount(65, '--workers', 1024 * GIB), (e: unknown) => e instanceof WorkerCountError && /^--workers 65: .*at most 64 local worker processes/.test(e.message));
  assert.throws(() => assertLocalWorkerCount(10_000, 'runtime.workers', 1024 * GIB), (e: unknown) => e instanceof WorkerCountError && /^runtime\.workers 10000: .*at most 64/.test(e.message));
});

test('local worker counts beyond what free memory holds at 512 MiB each are refused; one worker is always allowed', () => {
  assert.equal(WORKER_MEMORY_ESTIMATE_BYTES, 512 * 1024 ** 2);
  assert.doesNotThrow(() => assertLocalWorkerCount(8, '--workers', 4 * GIB));
  assert.throws(
    () => assertLocalWorkerCount(9, '--workers', 4 * GIB),
    (e: unknown) => e instanceof WorkerCountError && e.message === '--workers 9: free memory (4096 MiB) holds at most 8 local worker processes at about 512 MiB each (WORKER_MEMORY_ESTIMATE_BYTES)',
  );
  assert.doesNotThrow(() => assertLocalWorkerCount(1, 'runtime.workers', 100 * 1024 ** 2));
  assert.throws(() => assertLocalWorkerCount(2, 'runtime.workers', 100 * 1024 ** 2), WorkerCountError);
});
