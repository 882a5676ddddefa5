import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { packageFile } from '../../src/core/package-root';
import { MAX_JSONL_FILE_BYTES } from '../../src/tasks/jsonl';
import { dirname, join } from 'node:path';
import { loadAdaptedModel } from '../../src/meta/adapted-model';
import { predict } from '../../src/meta/predict';
import { initBackend } from '../../src/model/backend';
import * as tf from '@tensorflow/tfjs';
import { runCli, tempDir } from '../support/harness';
import { checkpoint, jsonl } from './adapt-fixtures';
import { sinusoidRun, writeTeacherCheckpoint } from '../compress/fixtures';
import { writeTinyHfBert } from '../hf/fixtures';

/** A checkpoint adapted by `metatrain adapt` to 3 labels; returns the adapted directory and its data file. */
async function adapted(dir: string, modelFields: Record<string, unknown> = {}): Promise<{ model: string; data: string; ckpt: string }> {
  const data = jsonl(dir, 'u.jsonl', ['ann', 'bob', 'cy'], 5);
  const model = join(dir, 'adapted');
  const ckpt = await checkpoint(dir, modelFields);
  const r = await runCli(['adapt', '--checkpoint', ckpt, '--data', data, '--out', model, '--max-steps', '6', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  return { model, data, ckpt };
}

interface JsonPrediction {
  line?: number;
  index?: number;
  label: string;
  probability: number;
  probabilities: Record<string, number>;
}

const parseLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonPrediction);

test('metatrain predict prints the most probable label and every probability; the library gives the same numbers in any batch', async () => {
  const dir = tempDir();
  const { model, data } = await adapted(dir);
  const json = await runCli(['predict', '--model', model, '--data', data, '--json', '--backend', 'cpu']);
  assert.equal(json.code, 0, json.stderr);
  // JSON Lines: one object per text, then (every line of --data has a label) the summary of the accuracy line.
  const lines = json.stdout.trim().split('\n');
  const predictions = parseLines(lines.slice(0, -1).join('\n'));
  assert.equal(predictions.length, 15);
  assert.deepEqual(predictions.map((p) => p.line), Array.from({ length: 15 }, (_, i) => i + 1));
  for (const p of predictions) {
    assert.deepEqual(Object.keys(p.probabilities), ['ann', 'bob', 'cy']);
    const values = Object.values(p.probabilities);
    assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
    assert.equal(p.probability, Math.max(...values));
    assert.equal(p.probabilities[p.label], p.probability);
  }
  const labels = readFileSync(data, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { label: string }).label);
  const right = predictions.filter((p, i) => p.label === labels[i]).length;
  assert.match(json.stderr, new RegExp(`^accuracy ${((100 * right) / 15).toFixed(1)}% \\(${right} of 15 labelled lines\\)`));
  assert.deepEqual(JSON.parse(lines.at(-1)!), { summary: { examples: 15, correct: right, accuracy: right / 15, ties: 0, unknownLabels: 0 } });

  const texts = readFileSync(data, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
  const human = await runCli(['predict', '--model', model, '--text', texts[0]!, texts[7]!, '--backend', 'cpu']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`│ 1 +│ ${predictions[0]!.label} +│ ${predictions[0]!.probability.toFixed(3)} `));
  assert.match(human.stdout, new RegExp(`│ 2 +│ ${predictions[7]!.label} +│ ${predictions[7]!.probability.toFixed(3)} `));
  assert.equal(human.stderr, '', 'no accuracy without labels');

  // In-process on the same backend: identical to the CLI's JSON, alone or in batches across the 64-text boundary.
  await initBackend('cpu');
  const loaded = loadAdaptedModel(model);
  const many = Array.from({ length: 70 }, (_, i) => texts[i % texts.length]!);
  const before = tf.memory().numTensors;
  const batched = predict(loaded, many, { name: 'test' });
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  batched.forEach((p, i) => {
    const alone = predictions[i % texts.length]!;
    assert.equal(p.label, alone.label);
    for (const [l, q] of Object.entries(p.probabilities)) assert.ok(Math.abs(q - alone.probabilities[l]!) < 1e-6, `text ${i} ${l}: ${q} vs ${alone.probabilities[l]}`);
  });

  // Every text longer than model.maxLength (24 bytes tokens) is named in one error, as other bad lines are (at most 20
  // listed, the others counted), the first with what to do, the others named only (before: the advice on each).
  const long = 'x'.repeat(30);
  const tooLong = (n: number) => `text ${n} has more than 24 tokens (CLS included, bytes tokenizer), the most the model reads (model.maxLength); shorten it or pass --truncate to read only its first 24`;
  const tooLongToo = (n: number) => `text ${n} has more than 24 tokens`;
  assert.throws(
    () => predict(loaded, ['ok', long, 'fine', long, ' '], { name: 'u.jsonl', lines: [1, 2, 3, 5, 8] }),
    (e: Error) => e.message === `u.jsonl:2: ${tooLong(2)}\n  and line 5: ${tooLongToo(5)}\n  and line 8: text 8 is empty\n(3 bad lines; nothing was predicted)`,
  );
  assert.throws(() => predict(loaded, ['ok', long, long], { name: '--text' }), (e: Error) => e.message === `--text: ${tooLong(2)}\n  and ${tooLongToo(3)}\n(2 bad texts; nothing was predicted)`);
  assert.throws(
    () => predict(loaded, Array.from({ length: 23 }, () => long), { name: 'u.jsonl', lines: Array.from({ length: 23 }, (_, i) => i + 1) }),
    (e: Error) => e.message.split('\n').length === 22 && e.message.includes(`\n  and line 20: ${tooLongToo(20)}\n  and 3 more bad lines\n(23 bad lines; nothing was predicted)`),
  );
  assert.equal(predict(loaded, ['ok', long], { name: 'u.jsonl' }, { truncate: true }).length, 2, '--truncate reads them');
});

test('metatrain predict on a Hugging Face model directory says it is not an adapted model and to import it with import-hf, not a dtype of its tensors', async () => {
  const dir = tempDir();
  const hf = writeTinyHfBert(join(dir, 'my-bert'));
  const r = await runCli(['predict', '--model', hf, '--text', 'hello', '--backend', 'cpu']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /my-bert is not an adapted model \(no adapted\.json\) but looks like a Hugging Face model \(config\.json, \*\.safetensors\): import it with metatrain import-hf .*my-bert --out DIR, meta-train from it \(model\.init: DIR\) and adapt a checkpoint/);
  assert.doesNotMatch(r.stderr, /dtype/);
  assert.equal(r.stdout, '');
});

test('metatrain predict shows control characters of texts escaped in its table (no raw ESC, NUL, \\x01 on the terminal); --json escapes as JSON', async () => {
  // Before: "\x1b[2J" cleared the terminal, NUL and \x01 were written as they are.
  const dir = tempDir();
  const { model } = await adapted(dir);
  const file = join(dir, 'controls.jsonl');
  writeFileSync(file, `${JSON.stringify({ text: 'ann \u0000 bob \u0001 \u001b[2J cy' })}\n`);
  const nonPrintable = (text: string) => [...text].filter((c) => /[\p{Cc}\p{Cf}]/u.test(c) && c !== '\n');
  for (const input of [['--text', 'ann \u001b[31m bob \u0001 cy'], ['--data', file]]) {
    const r = await runCli(['predict', '--model', model, ...input, '--backend', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(nonPrintable(r.stdout), [], `${input[0]}: no raw control character`);
    assert.match(r.stdout, input[0] === '--text' ? /ann \\u001b\[31m bob \\u0001 cy/ : /ann \\u0000 bob \\u0001 \\u001b\[2J cy/);
  }
  const json = await runCli(['predict', '--model', model, '--data', file, '--json', '--backend', 'cpu']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(nonPrintable(json.stdout), []);
});

test('metatrain predict shows emoji sequences, Persian words and accents as they are in its table, escapes only what acts on the terminal, and cuts a long text between characters', async () => {
  // Before: every format character was escaped (👨\u200d👩\u200d👧, می\u200cخواهم, the soft hyphen, a flag's tags),
  // and a text was cut at 47 UTF-16 units, which could split an emoji's surrogate pair.
  const dir = tempDir();
  const { model } = await adapted(dir);
  const family = '👨\u200d👩\u200d👧';
  const england = '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}';
  const kept = ['ann 👩\u200d💻', 'bob می\u200cخواهم', 'cy é 中文 co\u00adop', `ann ${england}`, family];
  const file = join(dir, 'texts.jsonl');
  const texts = [...kept, 'ann \u001b[31m x \u0000 y \u202e z', `${'😀'.repeat(30)}${family.repeat(30)}`];
  writeFileSync(file, texts.map((text) => `${JSON.stringify({ text })}\n`).join(''));
  const r = await runCli(['predict', '--model', model, '--data', file, '--truncate', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  for (const text of kept) assert.ok(r.stdout.includes(text), `${JSON.stringify(text)} shown as it is:\n${r.stdout}`);
  assert.doesNotMatch(r.stdout, /\\u200[cd]|\\u00ad|[\u001b\u0000\u202e]/);
  assert.match(r.stdout, /ann \\u001b\[31m x \\u0000 y \\u202e z/);
  // 47 characters (30 😀, 17 whole families) and the ellipsis: no lone surrogate, no family cut after a joiner.
  assert.ok(r.stdout.includes(`${'😀'.repeat(30)}${family.repeat(17)}…`), r.stdout);
  assert.doesNotMatch(r.stdout, /\p{Cs}|\u200d…/u);
});

test('metatrain predict marks a tie of the highest probability (an unadapted zero head) in its table and --json, not the first label as the winner', async () => {
  // Before: 0.500/0.500 printed "ann" as the label, as if it had won.
  const dir = tempDir();
  const data = jsonl(dir, 'u.jsonl', ['ann', 'bob'], 5);
  const model = join(dir, 'adapted');
  const r = await runCli(['adapt', '--checkpoint', await checkpoint(dir), '--data', data, '--out', model, '--max-steps', '0', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const human = await runCli(['predict', '--model', model, '--text', 'ann says hi', '--backend', 'cpu']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /│ 1 +│ tie: ann, bob +│ 0\.500 +│ +│ ann says hi/);
  const json = await runCli(['predict', '--model', model, '--text', 'ann says hi', '--json', '--backend', 'cpu']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { index: 1, label: 'ann', probability: 0.5, probabilities: { ann: 0.5, bob: 0.5 }, tie: ['ann', 'bob'] });
});

test('metatrain predict lists only labels outside a tie as others, and its accuracy counts ties as wrong and says how many', async () => {
  // Before: a 4-way tie at 0.250 showed "b 0.250, c 0.250" as others (as if the first had won, d left out), and
  // --data scored each tie as its first label: lines labelled with it counted as right.
  const dir = tempDir();
  const labels = ['ann', 'bob', 'cy', 'dee'];
  const data = jsonl(dir, 'u.jsonl', labels, 5);
  const model = join(dir, 'adapted');
  const r = await runCli(['adapt', '--checkpoint', await checkpoint(dir), '--data', data, '--out', model, '--max-steps', '0', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  // The 3-way head is reset for 4 labels and not fine-tuned: all ties, 0%, below chance. Before: 'is at chance level'.
  assert.match(r.stderr, /^warning: held-out accuracy 0\.0% is at or below chance level for 4 labels: the checkpoint's head, trained for another number of labels, was reset to zeros and not fine-tuned \(--max-steps 0\), so it gives every label the same probability and cannot tell them apart/m);
  const human = await runCli(['predict', '--model', model, '--data', data, '--truncate', '--backend', 'cpu']);
  assert.equal(human.code, 0, human.stderr);
  const lines = readFileSync(data, 'utf8').trim().split('\n').length;
  assert.match(human.stdout, /│ 1 +│ tie: ann, bob, cy, dee +│ 0\.250 +│ +│ /);
  assert.doesNotMatch(human.stdout, /bob 0\.250/);
  assert.match(human.stderr, new RegExp(`^accuracy 0\\.0% \\(0 of ${lines} labelled lines; ${lines} ties of the highest probability, counted as wrong\\)$`, 'm'));
});

test('metatrain predict refuses bad input with errors that name it', async () => {
  const dir = tempDir();
  const { model, ckpt } = await adapted(dir);
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '\n\n');
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "fine"}\nnot json\n{"text": ""}\n{"label": "x"}\n');
  const long = 'a much longer text than the model reads';
  const cases: Array<[string[], RegExp]> = [
    [['--model', join(dir, 'nope'), '--text', 'hi'], /--model .*nope: no such directory/],
    [['--model', join(dir, 'checkpoints'), '--text', 'hi'], /checkpoints is a directory of checkpoints, not one checkpoint, and not an adapted model: adapt one of them/],
    [['--model', model], /give exactly one of --text and --data/],
    [['--model', model, '--text', 'hi', '--data', empty], /give exactly one of --text and --data/],
    [['--model', model, '--data', empty], /empty\.jsonl: no examples: the file is empty/],
    [['--model', model, '--data', bad], /bad\.jsonl:2: not valid JSON[^\n]*\n {2}and line 3: "text" is empty\n {2}and line 4: missing field "text"\n\(3 bad lines; nothing was read\)/],
    [['--model', model, '--text', 'ok', '  '], /--text: text 2 is empty/],
    [['--model', model, '--text', 'ok', long], /--text: text 2 has more than 24 tokens \(CLS included, bytes tokenizer\), the most the model reads \(model\.maxLength\); shorten it or pass --truncate/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['predict', ...args, '--backend', 'cpu']);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing printed on stdout');
  }
  // A file of control characters (C0 and C1, as UTF-8): every bad line echoed escaped and cut, no raw control
  // character on the terminal.
  const binary = join(dir, 'binary.jsonl');
  writeFileSync(binary, String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)));
  for (const command of [['predict', '--model', model], ['adapt', '--checkpoint', ckpt, '--out', join(dir, 'never')]]) {
    const r = await runCli([...command, '--data', binary, '--backend', 'cpu']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /binary\.jsonl:1: not valid JSON \(unexpected character "\\u0000"\): "\\u0000/);
    assert.deepEqual([...r.stderr].filter((c) => /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u2028\u2029]/u.test(c) && c !== '\n'), [], `${command[0]}: no non-printable character`);
    for (const line of r.stderr.split('\n').filter((l) => l.includes('not valid JSON'))) {
      const echoed = /: ("(?:[^"\\]|\\.)*")( \(\d+ characters\))?$/.exec(line);
      assert.ok(echoed && (JSON.parse(echoed[1]!) as string).length <= 80, `the line echoed as a JSON string of at most 80 characters: ${line}`);
    }
  }
  const truncated = await runCli(['predict', '--model', model, '--text', long, '--truncate', '--json', '--backend', 'cpu']);
  assert.equal(truncated.code, 0, truncated.stderr);
  assert.equal(parseLines(truncated.stdout).length, 1);

  // adapt refuses an adapted model (use predict) and a missing directory, by name.
  for (const [from, message] of [
    [model, /is a model already adapted by metatrain adapt: use it with metatrain predict --model/],
    [join(dir, 'nope'), /--checkpoint .*nope: no such directory/],
  ] as const) {
    const r = await runCli(['adapt', '--checkpoint', from, '--data', join(dir, 'u.jsonl'), '--out', join(dir, 'again'), '--backend', 'cpu']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, message);
  }

  // A checkpoint directory gets the hint to adapt it first; a broken adapted.json names the file and the field.
  const hint = await runCli(['predict', '--model', ckpt, '--text', 'hi']);
  assert.match(hint.stderr, /holds a meta-initialization, not a model adapted to labels: run metatrain adapt --checkpoint/);
  // One of a model adapt refuses (a sinusoid-mlp) is refused as such, without that hint.
  const sinusoid = await runCli(['predict', '--model', await writeTeacherCheckpoint(sinusoidRun(join(dir, 'sinusoid'))), '--text', 'hi']);
  assert.equal(sinusoid.code, 1);
  assert.match(sinusoid.stderr, /--model .*step-0+3 holds a sinusoid-mlp model; predict works on text classifiers \(transformer, bert\)/);
  assert.doesNotMatch(sinusoid.stderr, /adapt/);
  const report = JSON.parse(readFileSync(join(model, 'adapted.json'), 'utf8')) as Record<string, unknown>;
  for (const [change, message] of [
    [{ labels: ['ann'] }, /adapted\.json: field labels must be an array of at least 2/],
    [{ labels: ['ann', 'bob', 'bob'] }, /adapted\.json: field labels has duplicate names/],
    [{ labels: ['ann', 'bob'] }, /metadata labels .* differ from labels in/],
    [{ model: { ...(report.model as object), dModel: 'wide' } }, /adapted\.json: field model\.dModel: /],
  ] as const) {
    writeFileSync(join(model, 'adapted.json'), JSON.stringify({ ...report, ...change }));
    assert.throws(() => loadAdaptedModel(model), (e: Error) => message.test(e.message), JSON.stringify(change));
  }
  writeFileSync(join(model, 'adapted.json'), JSON.stringify(report));
  writeFileSync(join(model, 'model.safetensors'), Buffer.alloc(3));
  assert.throws(() => loadAdaptedModel(model), /model\.safetensors/);
});

test('adapt and predict refuse a --data that is a device (/dev/zero) or a directory at once, naming it and what it is', async () => {
  // Before: --data /dev/zero was read until memory ran out.
  const dir = tempDir();
  const { model, ckpt } = await adapted(dir);
  for (const [data, what] of [
    ['/dev/zero', 'a character device'],
    [dir, 'a directory'],
  ] as const) {
    for (const command of [['predict', '--model', model], ['adapt', '--checkpoint', ckpt, '--out', join(dir, 'never')]]) {
      const r = await runCli([...command, '--data', data, '--backend', 'cpu'], {}, 30_000);
      assert.equal(r.signal, null, `${command[0]} --data ${data} did not finish in 30 s`);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr, `metatrain: ${data}: not a regular file but ${what}: give a JSONL file\n`);
      assert.equal(r.stdout, '');
    }
  }
  assert.equal(existsSync(join(dir, 'never')), false);
});

test('metatrain predict refuses or truncates a text of 200,000 words at once (hashed words: the segmentation is linear and stops at maxLength + 1 tokens)', async () => {
  // Before: 50,000 words took 20 s and 100,000 words 82 s to be refused (the segmenter was quadratic in the length).
  const dir = tempDir();
  const { model } = await adapted(dir, { tokenizer: 'hashed-words', hashBuckets: 64 });
  const long = join(dir, 'long.jsonl');
  writeFileSync(long, `${JSON.stringify({ text: 'word '.repeat(200_000) })}\n`);
  const refused = await runCli(['predict', '--model', model, '--data', long, '--backend', 'cpu'], {}, 30_000);
  assert.equal(refused.signal, null, 'finished within 30 s');
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /long\.jsonl:1: text 1 has more than 24 tokens \(CLS included, hashed-words tokenizer\), the most the model reads \(model\.maxLength\); shorten it or pass --truncate to read only its first 24/);
  const truncated = await runCli(['predict', '--model', model, '--data', long, '--truncate', '--json', '--backend', 'cpu'], {}, 30_000);
  assert.equal(truncated.signal, null, 'finished within 30 s');
  assert.equal(truncated.code, 0, truncated.stderr);
  // A long text of few words: 8 MB of line feeds, dots and emoji (before: about 40 s to segment, twice).
  const sparse = join(dir, 'sparse.jsonl');
  writeFileSync(sparse, `${JSON.stringify({ text: `hello${'\n'.repeat(3_000_000)}${'.'.repeat(3_000_000)}${'😀'.repeat(1_000_000)}world` })}\n`);
  const read = await runCli(['predict', '--model', model, '--data', sparse, '--json', '--backend', 'cpu'], {}, 20_000);
  assert.equal(read.signal, null, 'finished within 20 s');
  assert.equal(read.code, 0, read.stderr);
  const short = join(dir, 'short.jsonl');
  writeFileSync(short, `${JSON.stringify({ text: 'word '.repeat(40) })}\n`);
  const same = await runCli(['predict', '--model', model, '--data', short, '--truncate', '--json', '--backend', 'cpu']);
  assert.deepEqual(parseLines(truncated.stdout), parseLines(same.stdout), 'the first 24 tokens decide, as for a short text with the same start');
  // A text of punctuation only has no hashed word: said, not silently predicted.
  const wordless = await runCli(['predict', '--model', model, '--text', 'hello world', '!!! ???', '--backend', 'cpu']);
  assert.equal(wordless.code, 0, wordless.stderr);
  assert.match(wordless.stderr, /^warning: 1 of 2 texts \(text 2\) has no token the hashed-words tokenizer reads \(only punctuation or symbols\); the model sees it as an empty text: its prediction does not depend on it\n$/);
  // An empty or blank text is refused in one line (before: first the warning above, then "text 1 is empty").
  for (const text of ['', '   ']) {
    const blank = await runCli(['predict', '--model', model, '--text', text, '--backend', 'cpu']);
    assert.equal(blank.code, 1, blank.stdout);
    assert.equal(blank.stderr, 'metatrain: --text: text 1 is empty (or only whitespace): give the text to classify\n');
  }
});

test('predict, adapt and a jsonl run refuse a file that is not UTF-8 (Latin-1, UTF-16, binary) in one line naming the file, line and byte', async () => {
  // Before: a Latin-1 file was read with every accented letter turned into U+FFFD, and adapted on ("caf� na�ve");
  // UTF-16 and binary files gave 20 lines of escaped bytes, each "not valid JSON".
  const dir = tempDir();
  const { model, ckpt } = await adapted(dir);
  const latin1 = join(dir, 'latin1.jsonl');
  const rows = ['a', 'b', 'c'].flatMap((label) => [1, 2, 3].map((i) => `{"text": "caf\u00e9 na\u00efve ${label} ${i}", "label": "${label}"}\n`));
  writeFileSync(latin1, Buffer.from(`{"text": "plain", "label": "a"}\n${rows.join('')}`, 'latin1'));
  const utf16 = join(dir, 'utf16.jsonl');
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rows.join(''), 'utf16le')]));
  const utf16NoMark = join(dir, 'utf16-no-mark.jsonl');
  writeFileSync(utf16NoMark, Buffer.from(rows.join(''), 'utf16le'));
  const utf16Big = join(dir, 'utf16-big.jsonl');
  writeFileSync(utf16Big, Buffer.from(rows.join(''), 'utf16le').swap16());
  const binary = join(dir, 'binary.jsonl');
  writeFileSync(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)));
  const config = join(dir, 'run.yaml');
  const runDir = join(dir, 'runs', 'latin');
  writeFileSync(config, `name: latin\ntask: { family: jsonl, path: latin1.jsonl, ways: 2, shots: 1, queryShots: 1 }\nmodel: { kind: transformer, layers: 0 }\nruntime: { outDir: ${runDir} }\n`);
  const cases: Array<[string[], RegExp]> = [
    [['predict', '--model', model, '--data', latin1], /^metatrain: \S*latin1\.jsonl:2: not UTF-8 text: byte 0xE9 \(byte 14 of the line\) is not valid UTF-8 \(9 lines of the file have such bytes\); save the file as UTF-8/],
    [['adapt', '--checkpoint', ckpt, '--data', latin1, '--out', join(dir, 'out')], /^metatrain: \S*latin1\.jsonl:2: not UTF-8 text: byte 0xE9/],
    [['run', config, '--workers', '1'], /^metatrain: \S*latin1\.jsonl:2: not UTF-8 text: byte 0xE9/],
    [['predict', '--model', model, '--data', utf16], /^metatrain: \S*utf16\.jsonl: is UTF-16 text \(it starts with a UTF-16 byte-order mark, or has a NUL byte in every other place\), not UTF-8: save it as UTF-8\n$/],
    // Without a byte-order mark (before: "9 bad lines" of text riddled with \u0000), little- and big-endian.
    [['predict', '--model', model, '--data', utf16NoMark], /^metatrain: \S*utf16-no-mark\.jsonl: is UTF-16 text .*not UTF-8: save it as UTF-8\n$/],
    [['adapt', '--checkpoint', ckpt, '--data', utf16Big, '--out', join(dir, 'out')], /^metatrain: \S*utf16-big\.jsonl: is UTF-16 text .*not UTF-8: save it as UTF-8\n$/],
    [['adapt', '--checkpoint', ckpt, '--data', binary, '--out', join(dir, 'out')], /^metatrain: \S*binary\.jsonl:1: not UTF-8 text: byte 0x83 \(byte 2 of the line\)/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli([...args, '--backend', 'cpu']);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(existsSync(join(dir, 'out')), false);
  assert.equal(existsSync(runDir), false, 'no run directory');
});

test('adapt and predict read --data - from standard input (a pipe or a redirected file), with the same parsing and limits, named stdin', async () => {
  const dir = tempDir();
  const { model, data, ckpt } = await adapted(dir);
  const cli = packageFile('bin/metatrain.js');
  const sh = (command: string) => spawnSync('bash', ['-c', command, 'sh', process.execPath, cli, data, model, ckpt, dir], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, METATRAIN_LOG_LEVEL: 'warn' } });
  const fromFile = await runCli(['predict', '--model', model, '--data', data, '--json', '--backend', 'cpu']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  const piped = sh('cat "$3" | "$1" "$2" predict --model "$4" --data - --json --backend cpu');
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, fromFile.stdout, 'the same predictions, lines numbered as in the file');
  assert.match(piped.stderr, /^accuracy \d+\.\d% \(\d+ of 15 labelled lines\)/m);
  const adaptedFromStdin = sh('"$1" "$2" adapt --checkpoint "$5" --data - --out "$6/from-stdin" --max-steps 6 --backend cpu < "$3"');
  assert.equal(adaptedFromStdin.status, 0, adaptedFromStdin.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'from-stdin', 'adapted.json'), 'utf8')) as { data: string; labels: string[] };
  assert.equal(report.data, 'stdin');
  assert.deepEqual(report.labels, ['ann', 'bob', 'cy']);
  // The same rules as a file: a bad line is named by its line in standard input; a device is refused at once.
  const bad = sh('printf \'{"text": "a"}\\n{"label": "x"}\\n\' | "$1" "$2" predict --model "$4" --data - --backend cpu');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'metatrain: stdin:2: missing field "text"\n');
  const zero = sh('"$1" "$2" predict --model "$4" --data - --backend cpu < /dev/zero');
  assert.equal(zero.status, 1);
  assert.equal(zero.stderr, 'metatrain: stdin: not a regular file but a character device: pipe or redirect the JSONL data into it (--data - < user.jsonl), or give the file with --data FILE\n');
  const long = sh(`head -c ${MAX_JSONL_FILE_BYTES + 1} /dev/zero | "$1" "$2" predict --model "$4" --data - --backend cpu`);
  assert.equal(long.status, 1);
  assert.match(long.stderr, /^metatrain: stdin: more than the 134217728 bytes \(128 MiB\) allowed/);
});

test('adapt and predict --data - with nothing piped in say that standard input gave no data, or is a terminal, and how to give it', async () => {
  const dir = tempDir();
  const { model, ckpt } = await adapted(dir);
  const cli = packageFile('bin/metatrain.js');
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const sh = (command: string) => spawnSync('bash', ['-c', command, 'sh', process.execPath, cli, empty, model, ckpt, dir], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, METATRAIN_LOG_LEVEL: 'warn' } });
  const advice = (command: string) => `pipe or redirect the JSONL into it, e.g. metatrain ${command} … --data - < data.jsonl, or give the file with --data FILE`;
  // Before: /dev/null was "stdin: not a regular file but a character device", an empty pipe or file "no examples".
  for (const [command, args] of [['adapt', '--checkpoint "$5" --out "$6/out"'], ['predict', '--model "$4"']] as const) {
    for (const [input, given] of [['< /dev/null', 'standard input gave no data (it is /dev/null)'], ['< "$3"', 'standard input gave no data'], [': |', 'standard input gave no data']] as const) {
      const line = input.endsWith('|') ? `${input} "$1" "$2" ${command} ${args} --data - --backend cpu` : `"$1" "$2" ${command} ${args} --data - --backend cpu ${input}`;
      const r = sh(line);
      assert.equal(r.status, 1, `${command} ${input}: ${r.stderr}`);
      assert.equal(r.stderr, `metatrain: --data -: ${given}: ${advice(command)}\n`, `${command} ${input}`);
    }
  }
  assert.equal(existsSync(join(dir, 'out')), false, 'adapt wrote nothing');
  // A terminal (`script` gives the command one): said as such, not "not a regular file but a terminal".
  const tty = spawnSync('script', ['-qec', `"${process.execPath}" "${cli}" predict --model "${model}" --data - --backend cpu`, '/dev/null'], { encoding: 'utf8', timeout: 120_000, input: '', env: { ...process.env, METATRAIN_LOG_LEVEL: 'warn' } });
  assert.equal(tty.error, undefined, 'script(1) from util-linux runs the command on a terminal');
  assert.equal(tty.status, 1, tty.stdout);
  assert.equal(tty.stdout.replace(/\r\n/g, '\n'), `metatrain: --data -: standard input is a terminal, not the data: ${advice('predict')}\n`);
});

test('metatrain predict on a run directory whose checkpoint weights are corrupt reads the model kind from its manifest only: the hint to adapt a checkpoint, or the sinusoid refusal', async () => {
  // Before: the whole checkpoint was loaded to read its model kind, and a corrupt params.safetensors replaced the hint
  // with the loader's error about it.
  const dir = tempDir();
  const ckpt = await checkpoint(dir);
  writeFileSync(join(ckpt, 'params.safetensors'), 'not a safetensors file');
  const r = await runCli(['predict', '--model', dir, '--text', 'hi']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /is a run directory, not a checkpoint, and not an adapted model: adapt one of its checkpoints, e\.g\. .*step-\d+ .* with metatrain adapt --checkpoint, then predict with its --out/);
  assert.doesNotMatch(r.stderr, /safetensors/);
  const sinusoid = await writeTeacherCheckpoint(sinusoidRun(join(tempDir(), 'sinusoid')));
  writeFileSync(join(sinusoid, 'params.safetensors'), 'not a safetensors file');
  const s = await runCli(['predict', '--model', dirname(dirname(sinusoid)), '--text', 'hi']);
  assert.equal(s.code, 1, s.stderr);
  assert.match(s.stderr, /holds a sinusoid-mlp model; predict works on text classifiers/);
});

test('metatrain predict on the run directory (or checkpoints directory) of a sinusoid run refuses it as for its checkpoint, without the hint to adapt', async () => {
  // Before: a run directory got "… is a run directory, not a checkpoint, and not an adapted model: adapt one of its
  // checkpoints … with metatrain adapt --checkpoint", which adapt refuses for a sinusoid-mlp.
  const ckpt = await writeTeacherCheckpoint(sinusoidRun(join(tempDir(), 'sinusoid')));
  const refusal = (dir: string) => `metatrain: --model ${dir} holds a sinusoid-mlp model; predict works on text classifiers (transformer, bert)\n`;
  const direct = await runCli(['predict', '--model', ckpt, '--text', 'hi']);
  assert.equal(direct.code, 1, direct.stderr);
  assert.equal(direct.stderr, refusal(ckpt));
  for (const dir of [dirname(dirname(ckpt)), dirname(ckpt)]) {
    const r = await runCli(['predict', '--model', dir, '--text', 'hi']);
    assert.equal(r.code, direct.code, r.stderr);
    assert.equal(r.stderr, refusal(dir));
  }
});
