import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { outDirOutsideRoot } from '../../src/compress/job-out-root';
import { startCompressorAdvice } from '../../src/coordinator/compressor-advice';
import { sinusoidConfig } from '../support/harness';

const config = parseRunConfig(sinusoidConfig('/tmp', { name: 'sq-d', nats: { url: 'nats://alice:pw@h:4222,b:4222' } }));

test('the advice when no compressor takes a run\'s job is a command that serves the job: its out-root holds the job\'s outDir, from the same directory', () => {
  // Before, it said `metatrain compressor --nats URL --run R`: pasted, that compressor's default --out-root
  // (/var/lib/metatrain) does not hold runs/sq-d/compressed, and the job failed for good (a trial).
  const advice = startCompressorAdvice(config, 'runs/sq-d/compressed', '/home/u');
  assert.equal(advice, 'start one from /home/u (metatrain compressor --nats nats://alice:…@h:4222,b:4222 --run sq-d --out-root /home/u/runs/sq-d; on Kubernetes the Deployment sq-d-compressor)');
  assert.equal(outDirOutsideRoot('runs/sq-d/compressed', '/home/u/runs/sq-d', '/home/u'), undefined, 'the compressor started so takes the job');
  assert.equal(startCompressorAdvice(config, '/var/lib/metatrain/sq-d/compressed', '/'), 'start one (metatrain compressor --nats nats://alice:…@h:4222,b:4222 --run sq-d --out-root /var/lib/metatrain/sq-d; on Kubernetes the Deployment sq-d-compressor)');
});
