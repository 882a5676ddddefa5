import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { runPretrainingStage } from '../../src/cli/pretraining-stage';
import { tempDir } from '../support/harness';

/** What the stage prints, collected. */
function collector() {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  return { out, printed: () => lines.join('') };
}

/** A tiny jsonl run with a 6-step pretraining. */
function tinyConfig() {
  const dir = tempDir();
  writeFileSync(join(dir, 'user.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `text ${i % 10} ${'ab '.repeat(i % 10)} number ${i}`, label: `L${i % 10}` })).join('\n'));
  return parseRunConfig({
    name: 'stage',
    seed: 5,
    task: { family: 'jsonl', path: 'user.jsonl', ways: 2, shots: 1, queryShots: 1, passageChars: 64 },
    model: { kind: 'transformer', layers: 0, dModel: 8, maxLength: 16, init: 'pretrained' },
    pretraining: { steps: 6, batchSize: 4, lr: 0.01, checkpointEverySteps: 2 },
    runtime: { outDir: join(dir, 'run'), baseDir: dir },
  });
}

test('the pretraining stage says "stopped", not "done", when a signal stops it before the last step', async () => {
  const config = tinyConfig();
  const { out, printed } = collector();
  let checks = 0;
  const stopped = await runPretrainingStage(config, { stopping: () => ++checks > 3 }, out);
  assert.equal(stopped.step, 3);
  assert.match(printed(), /pretraining stopped: step 3\/6, checkpoint /);
  assert.doesNotMatch(printed(), /pretraining done/);
  const again = collector();
  let more = 0;
  await runPretrainingStage(config, { stopping: () => ++more > 2 }, again.out);
  assert.match(again.printed(), /pretraining stopped \(resumed from step 3\): step 5\/6, checkpoint /);
  const last = collector();
  await runPretrainingStage(config, { stopping: () => false }, last.out);
  assert.match(last.printed(), /pretraining resumed from step 5: step 6\/6, checkpoint /);
});

test('the pretraining stage warns about a pretraining.texts file that gives no passage', async () => {
  const config = tinyConfig();
  writeFileSync(join(config.runtime.baseDir!, 'blank.txt'), '  \n\n!!! ???\n');
  const { out, printed } = collector();
  await runPretrainingStage(parseRunConfig({ ...config, pretraining: { ...config.pretraining!, steps: 1, texts: ['blank.txt'] } }), { stopping: () => false }, out);
  assert.match(printed(), /^warning: pretraining\.texts \S*blank\.txt gives no passage \(it is empty, shorter than half of task\.passageChars 64, or has no token the bytes tokenizer reads\)\n/);
  assert.match(printed(), /, 0 from \S*blank\.txt\)/);
});
