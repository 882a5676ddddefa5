/**
 * `Finished` (docs/wire.md): the coordinator tells its workers when the run is over for good, failed included, and
 * says nothing when it is stopped gracefully (the run resumes and its workers rejoin). Real coordinator, real gRPC
 * workers over loopback (test/support/raw-worker.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import type { CoordinatorMessage } from '../../src/wire/proto';
import { sinusoidConfig, tempDir } from '../support/harness';
import { rawWorker, type RawWorker } from '../support/raw-worker';

const TOKEN = 'finished-token';

/** A coordinator of a short sinusoid run, started on a free loopback port. */
async function coordinator(): Promise<{ coordinator: Coordinator; address: string }> {
  const dir = tempDir();
  const config = parseRunConfig(sinusoidConfig(dir, { runtime: { workers: 1, outDir: join(dir, 'run'), maxAttempts: 2, keepaliveMs: 1000 } }));
  const c = new Coordinator({ config, token: TOKEN, resume: false, log: createLogger('coordinator', join(dir, 'c.log')) });
  const port = await c.start('127.0.0.1:0');
  return { coordinator: c, address: `127.0.0.1:${port}` };
}

/** The `finished` messages a raw worker receives. */
function finishedOf(w: RawWorker): Array<NonNullable<CoordinatorMessage['finished']>> {
  const seen: Array<NonNullable<CoordinatorMessage['finished']>> = [];
  w.stream.on('data', (msg: CoordinatorMessage) => {
    if (msg.finished) seen.push(msg.finished);
  });
  return seen;
}

test('a run that fails for good (a task exhausts its attempts) sends Finished{failed} with the reason to its workers', async () => {
  const { coordinator: c, address } = await coordinator();
  const w = rawWorker(address, TOKEN, 'failing', (a, self) => self.send({ failure: { assignmentId: a.assignmentId, message: 'cannot run this task' } }));
  const finished = finishedOf(w);
  try {
    await assert.rejects(c.run(), /cannot run this task/);
    for (let i = 0; i < 100 && finished.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.phase, 'failed');
    assert.match(finished[0]!.message, /cannot run this task/);
  } finally {
    w.stream.cancel();
    w.client.close();
    await c.close();
  }
});

test('a coordinator stopped gracefully (SIGINT / SIGTERM) sends no Finished: its workers stay for the resumed run', async () => {
  const { coordinator: c, address } = await coordinator();
  let stopped = false;
  // Holds every assignment unanswered; the first one stops the coordinator.
  const w = rawWorker(address, TOKEN, 'holding', () => {
    if (!stopped) void c.stop();
    stopped = true;
  });
  const finished = finishedOf(w);
  try {
    await c.run().catch(() => undefined);
    assert.equal(c.currentPhase, 'stopped');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(finished, []);
  } finally {
    w.stream.cancel();
    w.client.close();
    await c.close();
  }
});
