import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseRunConfig } from '../../src/core/config';
import { outDirOutsideRoot } from '../../src/compress/job-out-root';
import { startCompressorAdvice } from '../../src/coordinator/compressor-advice';
import { sinusoidConfig } from '../support/harness';

const config = parseRunConfig(sinusoidConfig('/tmp', { name: 'sq-d', nats: { url: 'nats://alice:pw@h:4222,b:4222' } }));

test('the advice when no compressor takes a run\'s job is a command that serves the job: its out-root holds the job\'s outDir, from the same directory', () => {
  // Before, it said `metatrain compressor --nats URL --run R`: pasted, that compressor's default --out-root
  // (/var/lib/metatrain) does not hold runs/sq-d/compressed, and the job failed for good (a trial).
  const advice = startCompressorAdvice(config, 'runs/sq-d/compressed', '/home/u');
  assert.equal(advice, "On Kubernetes, check the Deployment sq-d-compressor; elsewhere start one, with the password or token of nats.url where it shows …: cd /home/u && metatrain compressor --nats 'nats://alice:…@h:4222,b:4222' --run sq-d --out-root /home/u/runs/sq-d");
  assert.equal(outDirOutsideRoot('runs/sq-d/compressed', '/home/u/runs/sq-d', '/home/u'), undefined, 'the compressor started so takes the job');
  const plain = parseRunConfig(sinusoidConfig('/tmp', { name: 'sq-d', nats: { url: 'nats://h:4222' } }));
  assert.equal(startCompressorAdvice(plain, '/var/lib/metatrain/sq-d/compressed', '/'), 'On Kubernetes, check the Deployment sq-d-compressor; elsewhere start one: metatrain compressor --nats nats://h:4222 --run sq-d --out-root /var/lib/metatrain/sq-d');
});

test('the advice quotes what a shell would split: pasted from its cd to the end, a shell reads back the directories as they are', () => {
  // Before, a working directory with a space gave `error: too many arguments for 'compressor'` when pasted (a trial).
  const advice = startCompressorAdvice(config, "runs/it's/compressed", '/tmp/my work');
  const command = advice.slice(advice.indexOf('cd '));
  assert.equal(command, `cd '/tmp/my work' && metatrain compressor --nats 'nats://alice:…@h:4222,b:4222' --run sq-d --out-root '/tmp/my work/runs/it'\\''s'`);
  const words = execFileSync('sh', ['-c', `printf '%s\\n' ${command.replace(' && ', ' ')}`]).toString().split('\n').slice(0, -1);
  assert.deepEqual(words, ['cd', '/tmp/my work', 'metatrain', 'compressor', '--nats', 'nats://alice:…@h:4222,b:4222', '--run', 'sq-d', '--out-root', "/tmp/my work/runs/it's"]);
});
