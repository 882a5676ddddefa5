import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressionJobId, compressionJobParts } from '../../src/bus/job-queue';
import { configHash, parseRunConfig } from '../../src/core/config';

test('a compression job id tells apart other compression settings and another output directory; the same job keeps its id', () => {
  // Before: the id was run, step and config hash only, so over NATS (whose outcome stream keeps each id's outcome) a
  // run resumed with other compression settings, or a run of the same name and config in another directory, was
  // taken for the job already done: it reported the earlier (or the other directory's) compression as its own.
  const config = parseRunConfig({ name: 'cz', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } });
  const hash = configHash(config);
  const id = (compression: typeof config.compression, outDir: string) => compressionJobId('cz', 20, hash, { compression, outDir });
  const base = id(config.compression, '/runs/r5/compressed');
  assert.equal(id(config.compression, '/runs/r5/compressed'), base, 'deterministic: a resumed coordinator re-enqueuing it is de-duplicated');
  assert.equal(id(config.compression, '/runs/r5/x/../compressed'), base, 'the same directory written another way');
  assert.notEqual(id({ ...config.compression, distillSteps: config.compression.distillSteps + 30 }, '/runs/r5/compressed'), base);
  assert.notEqual(id(config.compression, '/runs/r6/compressed'), base);
  assert.match(base, /^compress-cz-s20-[0-9a-f]{12}-[0-9a-f]{8}$/);
  // Both forms name the run, step and config (a run's earlier compression, recorded with either, is still the run's).
  for (const jobId of [base, compressionJobId('cz', 20, hash)]) assert.deepEqual(compressionJobParts(jobId), { run: 'cz', step: 20, configHash: hash.slice(0, 12) });
});
