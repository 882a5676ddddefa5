import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { runPretrainingStage } from '../../src/cli/pretraining-stage';
import { assertRunCheckpointsFit } from '../../src/cli/run-checkpoints-fit';
import { tempDir } from '../support/harness';

/** What the stage prints, collected; `isTTY` true draws the progress bar. */
function collector(isTTY = false) {
  const lines: string[] = [];
  const out = { isTTY, columns: 120, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
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
  const first = collector();
  assert.equal((await runPretrainingStage(config, { stopping: () => true }, first.out)).step, 0);
  assert.match(first.printed(), /pretraining stopped: step 0\/6, nothing checkpointed \(no step completed\)\n$/);
  const { out, printed } = collector();
  let checks = 0;
  const stopped = await runPretrainingStage(config, { stopping: () => ++checks > 3 }, out);
  assert.equal(stopped.step, 3);
  assert.match(printed(), /pretraining stopped: step 3\/6, checkpoint /);
  assert.doesNotMatch(printed(), /pretraining done/);
  const again = collector();
  let more = 0;
  await runPretrainingStage(config, { stopping: () => ++more > 2 }, again.out);
  assert.match(again.printed(), /pretraining stopped: step 5\/6, checkpoint /);
  const last = collector();
  await runPretrainingStage(config, { stopping: () => false }, last.out);
  assert.match(last.printed(), /pretraining done: step 6\/6, checkpoint /);
});

test('a resumed pretraining stage says where it resumes before its first step, and not again at the end', async () => {
  const config = tinyConfig();
  let checks = 0;
  await runPretrainingStage(config, { stopping: () => ++checks > 3 }, collector().out);
  const { out, printed } = collector();
  await runPretrainingStage(config, { stopping: () => false }, out);
  const lines = printed().split('\n');
  const resuming = lines.findIndex((l) => /^pretraining: resuming from step 3\/6 \(checkpoint \S*pretrained\/step-00000003\)$/.test(l));
  assert.ok(resuming > 0, printed());
  assert.match(lines[resuming - 1]!, /^pretraining 0-layer encoder on \d+ passages .*, 6 steps of 4$/);
  assert.match(lines[resuming + 1]!, /^pretraining: step 4\/6, /);
  assert.equal(printed().match(/resum/g)!.length, 1, printed());
});

test('after a stop during pretraining, the --resume refusal says where a new run continues pretraining', async () => {
  const config = tinyConfig();
  let checks = 0;
  await runPretrainingStage(config, { stopping: () => ++checks > 3 }, collector().out);
  await assert.rejects(assertRunCheckpointsFit(config, 'resume'), /drop --resume to start a new run in \S+, which continues pretraining from step 3\/6 \(checkpoint \S*pretrained\/step-00000003\)$/);
  await runPretrainingStage(config, { stopping: () => false }, collector().out);
  await assert.rejects(assertRunCheckpointsFit(config, 'resume'), /drop --resume to start a new run in \S+, which starts from the finished pretraining \(checkpoint \S*pretrained\/step-00000006\)$/);
});

test('the pretraining stage warns about a pretraining.texts file that gives no passage', async () => {
  const config = tinyConfig();
  writeFileSync(join(config.runtime.baseDir!, 'blank.txt'), '  \n\n!!! ???\n');
  const { out, printed } = collector();
  await runPretrainingStage(parseRunConfig({ ...config, pretraining: { ...config.pretraining!, steps: 1, texts: ['blank.txt'] } }), { stopping: () => false }, out);
  assert.match(printed(), /^warning: pretraining\.texts \S*blank\.txt gives no passage \(it is empty, shorter than half of task\.passageChars 64, or has no token the bytes tokenizer reads\)\n/);
  assert.match(printed(), /, 0 from \S*blank\.txt\)/);
});

test('on a terminal, a warning while the progress bar is drawn is printed once the bar stops, not under it', async () => {
  // Before: written while the bar was drawn, where its next redraw overwrote it.
  const config = tinyConfig();
  let checks = 0;
  await runPretrainingStage(config, { stopping: () => ++checks > 2 }, collector().out);
  const kept = join(config.runtime.outDir!, 'pretrained', 'step-00000002');
  writeFileSync(join(kept, 'notes.md'), 'mine');
  const { out, printed } = collector(true);
  await runPretrainingStage(config, { stopping: () => false }, out);
  const text = printed();
  const warning = text.indexOf(`warning: kept ${kept}, which holds files that are not a checkpoint's (notes.md)`);
  assert.ok(warning > 0, text);
  // The bar shows the cursor again as it stops (hideCursor), after its last line.
  assert.ok(warning > text.lastIndexOf('\x1B[?25h') && text.lastIndexOf('\x1B[?25h') > 0, JSON.stringify(text));
  assert.match(text.slice(warning), /^warning: [^\n]*\npretraining done: step 6\/6, /);
});
