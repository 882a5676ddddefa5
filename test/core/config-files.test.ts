/** Config files as written by hand: YAML syntax errors with their position, integers in digits only, the paths it names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRunConfig, parseRunConfig } from '../../src/core/config';
import { assertConfigInputsReadable } from '../../src/core/config-inputs';
import { ConfigError, YamlSyntaxError } from '../../src/core/errors';
import { tempDir } from '../support/harness';

const head = 'name: demo\ntask:\n  family: sinusoid\nmodel:\n  kind: sinusoid-mlp\n';

/** A "billion laughs" file: nine anchors of nine aliases each, 9^9 values once expanded. */
const laughs = ['x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((n, i) => `x-${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n') + '\n';

function file(text: string): string {
  const path = join(tempDir(), 'run.yaml');
  writeFileSync(path, text);
  return path;
}

test('a YAML syntax error (an alias to no anchor included) is reported as FILE:LINE:COL: invalid YAML: reason', async () => {
  const cases: Array<[string, number, number, RegExp]> = [
    [`${head}training:\n  maxSteps: [1, 2\n  patience: 3\n`, 8, 3, /Flow sequence/],
    [`${head}training:\n  maxSteps: 5\n  maxSteps: 6\n`, 8, 3, /the key "maxSteps" is given twice in one mapping/],
    [`${head}training:\n    maxSteps: 5\n  patience: 3\n`, 8, 1, /same column/],
    // A flow map missing its `}`: the error is at the end of the input, placed after the last character of the
    // file's last line with text (line 6 of 6), not on a line past the final newline(s).
    [`${head}training: { maxSteps: 5\n`, 6, 24, /end with a \}/],
    [`${head}training: { maxSteps: 5\r\n\n\n`, 6, 24, /end with a \}/],
    [`${head}training: { maxSteps: 5`, 6, 24, /end with a \}/],
    // An alias to no anchor, or to one set only after it (before: "is not valid YAML: Unresolved alias …", no position).
    [`${head}seed: *nope\n`, 6, 7, /the alias \*nope names no anchor: set &nope /],
    [`${head}training:\n  maxSteps: *n\n  patience: &n 3\n`, 7, 13, /the alias \*n names no anchor/],
    // Before: "is not valid YAML: Excessive alias count indicates a resource exhaustion attack", with no place.
    [`${head}${laughs}seed: *i\n`, 15, 7, /the aliases expand the config to more than 100,000 values by this one \(anchors of many aliases each, as a "billion laughs" file\)/],
    [`${head}x-a: &a [1, *a]\nseed: *a\n`, 6, 13, /the alias \*a is inside the value its anchor &a names/],
    // Before: a second merge key passed silently.
    [`${head}x-t: &t { maxSteps: 5 }\nx-u: &u { patience: 3 }\ntraining: { <<: *t, <<: *u }\n`, 8, 21, /a second merge key << in this mapping \(the first is at line 8, column 13\): merge several mappings with one key and a list, `<<: \[\*a, \*b\]`/],
    // Before: "is not valid YAML: Merge sources must be maps or map aliases", with no place.
    [`${head}x-n: &n 5\ntraining:\n  <<: [*n]\n`, 8, 8, /a merge key << takes a mapping, an alias of one \(\*name\) or a list of them/],
  ];
  for (const [text, line, column, reason] of cases) {
    const path = file(text);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) => e instanceof YamlSyntaxError && e instanceof ConfigError && e.message.startsWith(`${path}:${line}:${column}: invalid YAML: `) && reason.test(e.message) && !e.message.includes('\n'),
      text,
    );
  }
});

test('an integer field written as 1e3, 0x10, 0o7, +5 or 5.0 is refused, naming the field, the value and its position', async () => {
  for (const written of ['1e3', '0x10', '0o7', '+5', '5.0']) {
    const path = file(`${head}training:\n  maxSteps: ${written}\n`);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) => e instanceof ConfigError && e.message === `invalid config at training.maxSteps: must be an integer written in decimal digits only, got ${written} (${path}:7:13)`,
      written,
    );
  }
  const inList = file(`${head}kubernetes:\n  gpu:\n    tolerations:\n      - key: a\n        tolerationSeconds: 1e2\n`);
  await assert.rejects(loadRunConfig(inList), (e: unknown) => e instanceof ConfigError && e.path === 'kubernetes.gpu.tolerations.0.tolerationSeconds');
  // Fractional fields still take any YAML number; decimal integers are taken as they are.
  const ok = await loadRunConfig(file(`${head}algorithm:\n  innerLr: 1.0\n  outerLr: 1e-3\ntraining:\n  maxSteps: 1000\n  minDelta: 0\n`));
  assert.equal(ok.algorithm.innerLr, 1);
  assert.equal(ok.training.maxSteps, 1000);
});

test('an integer field that an alias or a merge key brings is refused as if written there, naming where the value and the alias are', async () => {
  // Before: `maxSteps: *n` with `&n 1e3` trained 1000 steps, `&n 0x10` 16, and `<<: *t` with `maxSteps: 1e1` 10;
  // a bad value through an alias was echoed without its place ("got 1.5").
  const digitsOnly = 'must be an integer written in decimal digits only, got';
  const cases: Array<[string, string]> = [
    [`${head}x-n: &n 1e3\ntraining:\n  maxSteps: *n\n`, `${digitsOnly} 1e3 (FILE:6:9, through the alias at FILE:8:13)`],
    [`${head}x-n: &n 0x10\ntraining:\n  maxSteps: *n\n`, `${digitsOnly} 0x10 (FILE:6:9, through the alias at FILE:8:13)`],
    [`${head}x-t: &t { maxSteps: 1e1, patience: 3 }\ntraining:\n  <<: *t\n`, `${digitsOnly} 1e1 (FILE:6:21, through the alias at FILE:8:7)`],
    [`${head}x-t: &t { maxSteps: 1e1 }\ntraining:\n  <<: [{ patience: 3 }, *t]\n`, `${digitsOnly} 1e1 (FILE:6:21, through the alias at FILE:8:25)`],
    // Aliases within aliases: the outermost, the one at the field's place, is named.
    [`${head}x-n: &n 5.0\nx-t: &t { maxSteps: *n }\ntraining: *t\n`, `${digitsOnly} 5.0 (FILE:6:9, through the alias at FILE:8:11)`],
    [`${head}x-n: &n 1.5\ntraining:\n  maxSteps: *n\n`, 'must be an integer in [1, 10,000,000] (got 1.5 at FILE:6:9, through the alias at FILE:8:13)'],
  ];
  for (const [text, detail] of cases) {
    const path = file(text);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) => e instanceof ConfigError && e.path === 'training.maxSteps' && e.message === `invalid config at training.maxSteps: ${detail.replaceAll('FILE', path)}`,
      text,
    );
  }
  // Decimal integers through an alias or a merge key are taken; a field written beside a merge key overrides it.
  const ok = await loadRunConfig(file(`${head}x-n: &n 7\nx-t: &t { maxSteps: 0x10, patience: 2 }\ntraining:\n  <<: *t\n  maxSteps: *n\n`));
  assert.equal(ok.training.maxSteps, 7);
  assert.equal(ok.training.patience, 2);
});

test('a key given twice in one mapping is refused naming the key and where both are', async () => {
  // Before: "FILE:8:3: invalid YAML: Map keys must be unique", naming neither the key nor where the first one is.
  const cases: Array<[string, string, string, string]> = [
    [`${head}training:\n  maxSteps: 5\n  maxSteps: 6\n`, 'maxSteps', '7:3', '8:3'],
    [`${head}training: { maxSteps: 5, patience: 2, maxSteps: 6 }\n`, 'maxSteps', '6:13', '6:39'],
    // A nested mapping's duplicate comes before its parent's in the file: it is the one named.
    [`${head}training:\n  patience: 1\n  patience: 2\ntraining: 3\n`, 'patience', '7:3', '8:3'],
    // `1` and `"1"` name the same field "1" (before: the second silently replaced the first).
    [`${head}kubernetes:\n  nodeSelector:\n    1: a\n    "1": b\n`, '1', '8:5', '9:5'],
  ];
  for (const [text, key, first, again] of cases) {
    const path = file(text);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) =>
        e instanceof YamlSyntaxError &&
        e.message === `${path}:${again}: invalid YAML: the key "${key}" is given twice in one mapping (first at ${path}:${first}, again at ${path}:${again}): give each key once`,
      text,
    );
  }
});

test('a quoted, underscored or tagged value of an integer field ("10", 1_000, !!int 1e1, !!str 6, !!float 6) is echoed as written, with its position', async () => {
  // Before: the same message with the value as read and no place: (got "10"), (got "1_000"), (got "1e1"), (got "6")
  // for both !!str 6 and !!float 6 (which the yaml library reads as the string "6").
  const range = 'must be an integer in [1, 10,000,000]';
  const cases: Array<[string, string]> = [
    ['"10"', `${range} (got "10" at FILE:7:13)`],
    ['1_000', `${range} (got 1_000 at FILE:7:13)`],
    ['!!int 1e1', `${range} (got !!int 1e1 at FILE:7:19)`],
    ['!!str 6', `${range} (got !!str 6 at FILE:7:19)`],
    ['!!float 6', `${range} (got !!float 6 at FILE:7:21)`],
    ['true', `${range} (got true at FILE:7:13)`],
    ['"1\u202e0"', `${range} (got "1\\u202e0" at FILE:7:13)`],
  ];
  for (const [written, detail] of cases) {
    const path = file(`${head}training:\n  maxSteps: ${written}\n`);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) => e instanceof ConfigError && e.path === 'training.maxSteps' && e.message === `invalid config at training.maxSteps: ${detail.replace('FILE', path)}`,
      written,
    );
  }
  // Through an alias, as a number is; a string field still echoes its value as JSON.
  const aliased = file(`${head}x-n: &n "10"\ntraining:\n  maxSteps: *n\n`);
  await assert.rejects(loadRunConfig(aliased), (e: unknown) => e instanceof ConfigError && e.message === `invalid config at training.maxSteps: ${range} (got "10" at ${aliased}:6:9, through the alias at ${aliased}:8:13)`);
  await assert.rejects(loadRunConfig(file(head.replace('name: demo', "name: 'Bad_Name'"))), (e: unknown) => e instanceof ConfigError && e.message.endsWith('(got "Bad_Name")'));
});

test('an integer field written with a leading zero (010) is refused: YAML 1.2 reads 10, YAML 1.1 the octal 8', async () => {
  // Before: `maxSteps: 010` trained 10 steps, where a YAML 1.1 reader (PyYAML) of the same file reads 8.
  const cases: Array<[string, string]> = [
    ['010', 'takes it as 10, YAML 1.1 as the octal 8; write 10, or 8 if octal was meant (integer fields take decimal digits only, so not 0o10)'],
    ['!!int 010', 'takes it as 10, YAML 1.1 as the octal 8; write 10, or 8 if octal was meant (integer fields take decimal digits only, so not 0o10)'],
    ['007', 'takes it as 7, YAML 1.1 as the octal 7; write 7'],
    ['09', 'takes it as 9, YAML 1.1 does not read it as a number; write 9'],
  ];
  for (const [written, reading] of cases) {
    const path = file(`${head}training:\n  maxSteps: ${written}\n`);
    const column = written.startsWith('!!') ? 19 : 13;
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message === `invalid config at training.maxSteps: must be an integer written without a leading zero, got ${written} (${path}:7:${column}): YAML 1.2, as a config is read, ${reading}`,
      written,
    );
  }
  const negative = file(`${head}seed: -010\n`);
  await assert.rejects(loadRunConfig(negative), (e: unknown) => e instanceof ConfigError && e.path === 'seed' && /got -010 .*takes it as -10, YAML 1\.1 as the octal -8; write -10, or -8/.test(e.message));
  // 0 alone, and a fraction, are as before.
  assert.equal((await loadRunConfig(file(`${head}seed: 0\nalgorithm:\n  outerLr: 0.010\n`))).seed, 0);
  // A field that takes fractions refuses a leading zero too (before: `outerLr: 010` was read as 10); 1e3 is its to take.
  const fractional = file(`${head}algorithm:\n  outerLr: 010\n`);
  await assert.rejects(
    loadRunConfig(fractional),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith(`invalid config at algorithm.outerLr: must be a number written without a leading zero, got 010 (${fractional}:7:12): YAML 1.2, as a config is read, takes it as 10, YAML 1.1 as the octal 8; write 10, or 8 if octal was meant`),
  );
  assert.equal((await loadRunConfig(file(`${head}algorithm:\n  outerLr: 1e-3\n  innerLr: 1e0\n`))).algorithm.innerLr, 1);
  // Nor hexadecimal or octal (before: innerLr: 0x10 trained with a rate of 16 and diverged).
  for (const written of ['0x10', '0o20']) {
    const hex = file(`${head}algorithm:\n  innerLr: ${written}\n`);
    await assert.rejects(
      loadRunConfig(hex),
      (e: unknown) => e instanceof ConfigError && e.message === `invalid config at algorithm.innerLr: must be a number written in decimal, got ${written} (${hex}:7:12): YAML 1.2, as a config is read, takes it as 16; write 16`,
      written,
    );
  }
});

test('a config of 10,000 aliases loads, each alias resolved once', async () => {
  // Before: yaml's Alias.resolve walked the whole document for each alias (6.6 s for this file of 60 KB, minutes for
  // 100,000 aliases, under the 1 MiB limit), then refused it: "is not valid YAML: Excessive alias count …" with no
  // place. (No timing here: speed belongs in benchmarks.)
  const path = file(`${head}x-one: &one 1\nx-many: [${Array(10_000).fill('*one').join(', ')}]\ntraining:\n  maxSteps: *one\n`);
  assert.equal((await loadRunConfig(path)).training.maxSteps, 1);
});

test('an x- field of more aliases than a config may expand to loads: what it holds is built only where an alias elsewhere brings it', async () => {
  // Before: the 110,000 aliases of x-many were expanded (then dropped with the field) and passed the limit: "the
  // aliases expand the config to more than 100,000 values"; 90,000 of them delayed the start. Those that an alias
  // outside the x- fields brings are still built and checked.
  const many = `x-one: &one 1\nx-many: &many [${Array(110_000).fill('*one').join(',')}]\n`;
  assert.equal((await loadRunConfig(file(`${head}${many}training:\n  maxSteps: *one\n`))).training.maxSteps, 1);
  await assert.rejects(
    loadRunConfig(file(`${many}${head}  hidden: *many\n`)),
    (e: unknown) => e instanceof YamlSyntaxError && /the aliases expand the config to more than 100,000 values/.test(e.message),
  );
});

test('every bad integer field of a file is reported, those not written in decimal digits among them, one message per field', async () => {
  // Before: only "training.maxSteps: must be an integer written in decimal digits only, got 1e9".
  const path = file(`${head}training:\n  maxSteps: 1e9\n  patience: 0x10\nevaluation:\n  testTasks: 1.5\n`);
  await assert.rejects(
    loadRunConfig(path),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.path === 'training.maxSteps' &&
      e.message ===
        `invalid config at training.maxSteps: must be an integer written in decimal digits only, got 1e9 (${path}:7:13)` +
          `; and at training.patience: must be an integer written in decimal digits only, got 0x10 (${path}:8:13)` +
          `; and at evaluation.testTasks: must be an integer in [1, 100,000] (got 1.5 at ${path}:10:14)`,
  );
});

test('a number field whose value reads as infinity or NaN (1e400, .inf, .nan) is refused naming the field, why and the value as written', async () => {
  // Before: "Invalid input: expected number, received Infinity (got 1e400 at …)".
  const overflows = "(it overflows: a number's magnitude is at most about 1.8e308)";
  for (const [written, reads] of [['1e400', `Infinity ${overflows}`], ['-.inf', `-Infinity ${overflows}`], ['.nan', 'NaN (not a number)']]) {
    const path = file(`${head}algorithm:\n  outerLr: ${written}\n`);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) => e instanceof ConfigError && e.message === `invalid config at algorithm.outerLr: must be a finite number: the value written reads as ${reads} (got ${written} at ${path}:7:12)`,
      written,
    );
  }
});

test('a bad integer field gets one message naming the field, its range and the value as written, with its position', async () => {
  // Before: "Invalid input: expected int, received number (got 1.5)"; 12345678901234567890 echoed as
  // 12345678901234567000; model.maxLength 0 refused twice (greater than 0, and at least 2 for a transformer).
  const cases: Array<[string, string, string]> = [
    [`${head}training:\n  maxSteps: 1.5\n`, 'training.maxSteps', 'must be an integer in [1, 10,000,000] (got 1.5 at FILE:7:13)'],
    [`${head}training:\n  maxSteps: 12345678901234567890\n`, 'training.maxSteps', 'must be an integer in [1, 10,000,000] (got 12345678901234567890 at FILE:7:13)'],
    [`${head}seed: 12345678901234567890\n`, 'seed', 'must be an integer in [0, 9,007,199,254,740,991] (got 12345678901234567890 at FILE:6:7)'],
    [`${head}training:\n  maxSteps: -3\n`, 'training.maxSteps', 'must be an integer in [1, 10,000,000] (got -3 at FILE:7:13)'],
    [`${head}training:\n  maxSteps: '5'\n`, 'training.maxSteps', "must be an integer in [1, 10,000,000] (got '5' at FILE:7:13)"],
    [`${head}runtime:\n  keepaliveMs: 1.5\n`, 'runtime.keepaliveMs', 'must be an integer in [1,000, 2,147,483,647] (got 1.5 at FILE:7:16)'],
    [
      'name: demo\ntask:\n  family: sotu\nmodel:\n  kind: transformer\n  maxLength: 0\n',
      'model.maxLength',
      'model.maxLength must be at least 2 for model.kind transformer (its CLS token and at least one token of text; with fewer the model reads no text and guesses at chance), got 0',
    ],
  ];
  for (const [text, field, detail] of cases) {
    const path = file(text);
    await assert.rejects(
      loadRunConfig(path),
      (e: unknown) => e instanceof ConfigError && e.path === field && e.message === `invalid config at ${field}: ${detail.replace('FILE', path)}`,
      text,
    );
  }
});

test('algorithm.innerSteps over MAX_ADAPT_STEPS in a config file is refused naming the field, the bound and the value', async () => {
  const path = file(`${head}algorithm:\n  innerSteps: 1000000\n`);
  await assert.rejects(
    loadRunConfig(path),
    (e: unknown) => e instanceof ConfigError && e.path === 'algorithm.innerSteps' && /^invalid config at algorithm\.innerSteps: must be an integer in \[1, 10,000\] \(got 1000000 at \S+:7:15\)$/.test(e.message),
  );
  assert.equal((await loadRunConfig(file(`${head}algorithm:\n  innerSteps: 10000\n`))).algorithm.innerSteps, 10_000);
});

test('a path field over 4096 bytes or with a component over 255 bytes is refused, echoed cut to 80 characters', () => {
  const sotu = { name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' } };
  const cases: Array<[object, string, RegExp]> = [
    [{ ...sotu, model: { kind: 'transformer', init: `/${'d/'.repeat(2100)}` } }, 'model.init', /the path is 4201 bytes long, more than the 4096 a path may have/],
    [{ ...sotu, pretraining: { texts: [`texts/${'n'.repeat(300)}.txt`] } }, 'pretraining.texts.0', /the path has a component of 304 bytes \(n{79}… \(304 characters\)\), more than the 255 a file name may have/],
    [{ ...sotu, runtime: { outDir: 'é'.repeat(200) } }, 'runtime.outDir', /component of 400 bytes/],
  ];
  for (const [raw, path, message] of cases) {
    assert.throws(() => parseRunConfig(raw), (e: unknown) => e instanceof ConfigError && e.path === path && message.test(e.message) && e.message.length < 400, path);
  }
});

test('missing or unreadable input paths are refused naming the field and the path', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.txt'), 'text');
  const config = (extra: object) => parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' }, runtime: { baseDir: dir }, ...extra });
  assert.doesNotThrow(() => assertConfigInputsReadable(config({ pretraining: { texts: ['a.txt'] }, model: { kind: 'transformer', init: '.' } })));
  const refused: Array<[object, string, string]> = [
    [{ pretraining: { texts: ['a.txt', 'b.txt'] } }, 'pretraining.texts.1', `${JSON.stringify(join(dir, 'b.txt'))} does not exist`],
    [{ model: { kind: 'transformer', init: 'a.txt' } }, 'model.init', `${JSON.stringify(join(dir, 'a.txt'))} is a file, expected a checkpoint directory`],
    [{ model: { kind: 'transformer', init: 'ckpt' } }, 'model.init', `${JSON.stringify(join(dir, 'ckpt'))} does not exist`],
  ];
  for (const [extra, field, detail] of refused) {
    assert.throws(() => assertConfigInputsReadable(config(extra)), (e: unknown) => e instanceof ConfigError && e.message === `invalid config at ${field}: ${detail}`, field);
  }
  const jsonl = parseRunConfig({ name: 'demo', task: { family: 'jsonl', path: 'user.jsonl' }, model: { kind: 'transformer' }, runtime: { baseDir: dir } });
  assert.throws(() => assertConfigInputsReadable(jsonl), (e: unknown) => e instanceof ConfigError && e.path === 'task.path' && /user\.jsonl" does not exist/.test(e.message));
  if (process.getuid?.() !== 0) {
    writeFileSync(join(dir, 'secret.txt'), 'x');
    chmodSync(join(dir, 'secret.txt'), 0o000);
    assert.throws(() => assertConfigInputsReadable(config({ pretraining: { texts: ['secret.txt'] } })), /pretraining\.texts\.0: .*secret\.txt" is not readable \(permission denied\)/);
  }
});

test('pretraining texts that name one file two ways (./a.txt, an absolute path, a link to it) are refused naming both spellings', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.txt'), 'text');
  symlinkSync('a.txt', join(dir, 'link.txt'));
  const real = realpathSync(join(dir, 'a.txt'));
  const config = (texts: string[]) => parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' }, runtime: { baseDir: dir }, pretraining: { texts } });
  for (const again of ['./a.txt', join(dir, 'a.txt'), 'link.txt']) {
    const detail = `duplicate entry: ${JSON.stringify(again)} is the same file as "a.txt" (index 0), ${JSON.stringify(real)}: list it once`;
    assert.throws(() => assertConfigInputsReadable(config(['a.txt', again])), (e: unknown) => e instanceof ConfigError && e.message === `invalid config at pretraining.texts.1: ${detail}`, again);
  }
});

test('a pretraining text listed beside a hard link to it is refused naming both spellings and both paths', () => {
  // Before: a hard link has a real path of its own, so its passages were read twice.
  const dir = tempDir();
  writeFileSync(join(dir, 'a.txt'), 'text');
  linkSync(join(dir, 'a.txt'), join(dir, 'hard.txt'));
  const config = parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer' }, runtime: { baseDir: dir }, pretraining: { texts: ['a.txt', 'hard.txt'] } });
  const [real, hard] = [realpathSync(join(dir, 'a.txt')), realpathSync(join(dir, 'hard.txt'))];
  const detail = `duplicate entry: "hard.txt" is the same file as "a.txt" (index 0), ${JSON.stringify(hard)}, a hard link to ${JSON.stringify(real)}: list it once`;
  assert.throws(() => assertConfigInputsReadable(config), (e: unknown) => e instanceof ConfigError && e.message === `invalid config at pretraining.texts.1: ${detail}`);
  // A copy of it is another file.
  writeFileSync(join(dir, 'copy.txt'), 'text');
  assert.doesNotThrow(() => assertConfigInputsReadable({ ...config, pretraining: { ...config.pretraining!, texts: ['a.txt', 'copy.txt'] } }));
});

test('a config file that holds no mapping (empty, only comments, a list, a scalar) is refused naming the file and what a config is', async () => {
  // Before: "invalid config: Invalid input: expected object, received null (got null)", naming neither the file nor the fix.
  const cases: Array<[string, string]> = [
    ['', 'is empty (or only comments)'],
    ['# nothing yet\n', 'is empty (or only comments)'],
    ['---\n', 'is empty (or only comments)'],
    ['- name: demo\n', 'holds a list, not a mapping of fields'],
    ['hello\n', 'holds a single string ("hello"), not a mapping of fields'],
    ['42\n', 'holds a single number (42), not a mapping of fields'],
    // Before: zod's "Invalid input: expected string, received undefined" for name, task and model.
    ['{}\n', 'holds no fields (an empty mapping {}, or only x-… fields, which hold anchors for the others)'],
    ['x-a: &a 1\n', 'holds no fields (an empty mapping {}, or only x-… fields, which hold anchors for the others)'],
  ];
  for (const [text, problem] of cases) {
    const path = file(text);
    await assert.rejects(
      loadRunConfig(path),
      (e: Error) => e instanceof ConfigError && e.message === `invalid config: ${path} ${problem}: a run config is a mapping with at least name, task (family) and model (kind)`,
      JSON.stringify(text),
    );
  }
  await assert.rejects(loadRunConfig(''), (e: Error) => e instanceof ConfigError && e.message === 'invalid config: no config file given (the path is empty)');
  assert.equal((await loadRunConfig(file(head))).name, 'demo');
});

test('two YAML documents, a tagged value (!!binary …) and an empty model.init are refused naming the file or field and the fix', async () => {
  // Before: the YAML library's "Source contains multiple documents; please use YAML.parseAllDocuments()".
  const twoDocs = file(`${head}---\nname: other\n`);
  await assert.rejects(
    loadRunConfig(twoDocs),
    (e: Error) => e instanceof YamlSyntaxError && e.message === `${twoDocs}:6:1: invalid YAML: a second YAML document starts here (a \`---\` line after content): a run config is one document; remove this \`---\`, or put each config in its own file`,
  );
  // Before: "expected string, received Buffer (got {"type":"Buffer","data":[…]})".
  const binary = file(head.replace('name: demo', 'name: !!binary ZGVtbw=='));
  await assert.rejects(
    loadRunConfig(binary),
    (e: Error) => e instanceof ConfigError && e.path === 'name' && e.message === `invalid config at name: has the YAML tag !!binary (${binary}:1:16), which a config cannot hold: a config holds text, numbers, booleans, lists and mappings; remove the tag and write the value as plain text`,
  );
  const set = file(`${head}evaluation:\n  baselines: !!set {random}\n`);
  await assert.rejects(loadRunConfig(set), (e: Error) => e instanceof ConfigError && e.path === 'evaluation.baselines' && /has the YAML tag !!set \(\S+:7:20\)/.test(e.message));
  assert.equal((await loadRunConfig(file(head.replace('name: demo', 'name: !!str demo')))).name, 'demo');
  // Before: "Too small: expected string to have >=1 characters".
  assert.throws(
    () => parseRunConfig({ name: 'demo', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0, dModel: 8, init: '' }, algorithm: { name: 'fomaml' } }),
    (e: Error) => e instanceof ConfigError && e.path === 'model.init' && e.message === 'invalid config at model.init: must not be empty: give random (the default), pretrained (the run\'s own pretraining) or a checkpoint directory such as runs/NAME/checkpoints/step-N (got "")',
  );
});

test('YAML merge keys (<<: *anchor, <<: [*a, *b]) copy an anchored mapping, the fields beside them overriding it', async () => {
  // Before: `<<` was read as a field named "<<" and refused as an unknown field.
  const path = file(
    `${head}kubernetes:\n` +
      `  workerResources:\n` +
      `    requests: &small\n      cpu: '1'\n      memory: 3Gi\n` +
      `    limits:\n      <<: *small\n      cpu: '4'\n` +
      `  gpu:\n` +
      `    tolerations:\n` +
      `      - &gpu { key: nvidia.com/gpu, operator: Exists }\n` +
      `      - <<: [*gpu, { effect: NoSchedule }]\n        key: example.com/fast\n`,
  );
  const c = await loadRunConfig(path);
  assert.deepEqual(c.kubernetes.workerResources.requests, { cpu: '1', memory: '3Gi' });
  assert.deepEqual(c.kubernetes.workerResources.limits, { cpu: '4', memory: '3Gi' });
  assert.deepEqual(c.kubernetes.gpu.tolerations, [
    { key: 'nvidia.com/gpu', operator: 'Exists' },
    { key: 'example.com/fast', operator: 'Exists', effect: 'NoSchedule' },
  ]);
  // A merged field the target does not have is refused where it lands.
  const unknown = file(`${head}kubernetes:\n  workerResources:\n    requests: &r { cpu: '1' }\n    limits: { <<: [*r, { gpus: 2 }] }\n`);
  await assert.rejects(loadRunConfig(unknown), (e: unknown) => e instanceof ConfigError && e.path === 'kubernetes.workerResources.limits.gpus');
});

test('top-level x-… fields hold anchors, as in docker-compose, and are left out of the config; other unknown fields are refused', async () => {
  // Before: "invalid config at x-common: unknown field (check its spelling and level)".
  const path = file(
    `x-common: &common\n  family: sinusoid\n  shots: 3\nx-resources: &small { cpu: '1', memory: 3Gi }\nname: demo\ntask:\n  <<: *common\n  queryShots: 4\nmodel:\n  kind: sinusoid-mlp\n` +
      `kubernetes:\n  workerResources:\n    requests: *small\n`,
  );
  const c = await loadRunConfig(path);
  assert.equal(c.task.shots, 3);
  assert.equal(c.task.queryShots, 4);
  assert.deepEqual(c.kubernetes.workerResources.requests, { cpu: '1', memory: '3Gi' });
  assert.ok(!Object.keys(c).some((k) => k.startsWith('x-')));
  // Only at the top level, and only x-: a nested x- field and another prefix are still unknown fields.
  await assert.rejects(loadRunConfig(file(`${head}training:\n  x-note: 1\n`)), (e: unknown) => e instanceof ConfigError && e.path === 'training.x-note');
  await assert.rejects(loadRunConfig(file(`${head}y-common: 1\n`)), (e: unknown) => e instanceof ConfigError && e.path === 'y-common');
});

test('a config file holding binary bytes (a NUL, bytes that are not UTF-8, an executable) is refused naming the file and the byte offset, without echoing the bytes', async () => {
  // Before: the bytes came back in the error, e.g. 'invalid config at name: must be a DNS label … (got "demo\u0000x")'.
  const write = (bytes: Buffer) => {
    const path = join(tempDir(), 'run.yaml');
    writeFileSync(path, bytes);
    return path;
  };
  const nul = write(Buffer.from(head.replace('name: demo', 'name: demo\u0000x')));
  await assert.rejects(
    loadRunConfig(nul),
    (e: Error) =>
      e instanceof ConfigError &&
      e.path === '' &&
      e.message === `invalid config: ${nul}: not a text file: byte 0x00 (NUL) at byte offset 10 (line 1, byte 11 of the line) is a control character no text holds (a binary file?); a run config is YAML text`,
  );
  const latin1 = write(Buffer.concat([Buffer.from('name: d'), Buffer.from([0xe9]), Buffer.from(head.slice('name: d'.length + 1))]));
  await assert.rejects(
    loadRunConfig(latin1),
    (e: Error) => e instanceof ConfigError && e.message.startsWith(`invalid config: ${latin1}: at byte offset 7 (line 1): not UTF-8 text: byte 0xE9 (byte 8 of the line) is not valid UTF-8`) && e.message.endsWith('; a run config is YAML text'),
  );
  const binary = write(Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(64, 0xa5)]));
  await assert.rejects(loadRunConfig(binary), (e: Error) => e instanceof ConfigError && /: not a text file: byte 0x7F \(DEL\) at byte offset 0 /.test(e.message) && !/ELF|\u0000|\uFFFD/.test(e.message));
});

test('a missing field, a key with nothing after it, a value of another type or choice and a list of another length are named with what the field must be and what it got', async () => {
  // Before: zod's words, "Invalid input: expected object, received null (got null)", "Too small: expected array to
  // have >=3 items (got [0.5,0.5])", "Invalid option: expected one of "sinusoid"|"sotu"|"jsonl"" (nothing got).
  const split = 'must be a list of 3 fractions of the classes, [meta-train, meta-val, meta-test], summing to 1, e.g. [0.6, 0.2, 0.2]';
  const cases: Array<[string, string]> = [
    ['task:\n  family: sinusoid\nmodel:\n  kind: sinusoid-mlp\n', 'name: missing: this field is required (a string)'],
    ['name: demo\ntask:\n  family: sinusoid\n', 'model: missing: this field is required (a mapping)'],
    ['name: demo\ntask:\n  shots: 2\nmodel:\n  kind: sinusoid-mlp\n', 'task.family: missing: this field is required (one of sinusoid, sotu or jsonl)'],
    ['name: demo\ntask:\n  family: sinusoid\nmodel:\n', 'model: must be a mapping (got null: the value is empty)'],
    [`${head}training:\n`, 'training: must be a mapping (got null: the value is empty)'],
    [`${head}runtime:\n  backend:\n`, 'runtime.backend: must be one of wasm, cpu or tensorflow (got null: the value is empty)'],
    ['name: demo\ntask:\n  family: sinusoid\nmodel:\n  kind: mlp\n', 'model.kind: must be one of sinusoid-mlp, transformer or bert (got "mlp")'],
    [`${head}  hidden: []\n`, 'model.hidden: must hold at least 1 entry (got [])'],
    [`${head}  wordBigrams: yes\n`, 'model.wordBigrams: must be true or false (got "yes")'],
    [`${head}evaluation:\n  baselines: random\n`, 'evaluation.baselines: must be a list (got "random")'],
    [`${head}nats:\n  url: ""\n`, 'nats.url: must not be empty (got "")'],
    [`${head.replace('family: sinusoid', 'family: sinusoid\n  classSplit: [0.5, 0.5]')}`, `task.classSplit: ${split} (got [0.5,0.5])`],
    [`${head.replace('family: sinusoid', 'family: sinusoid\n  classSplit: [0.4, 0.2, 0.2, 0.2]')}`, `task.classSplit: ${split} (got [0.4,0.2,0.2,0.2])`],
    [`${head.replace('family: sinusoid', 'family: sinusoid\n  classSplit: [0.6, "0.2", 0.2]')}`, 'task.classSplit.1: must be a number (got "0.2")'],
  ];
  for (const [text, problem] of cases) {
    await assert.rejects(loadRunConfig(file(text)), (e: Error) => e instanceof ConfigError && e.message === `invalid config at ${problem}`, `${text}\n${problem}`);
  }
  await assert.rejects(loadRunConfig(file(`${head}  hidden: [${Array(65).fill(4).join(', ')}]\n`)), (e: Error) => e instanceof ConfigError && e.message.startsWith('invalid config at model.hidden: must hold at most 64 entries (got [4,4,'));
  const path = file(head.replace('family: sinusoid', 'family: sinusoid\n  classSplit: 0.6'));
  await assert.rejects(loadRunConfig(path), (e: Error) => e instanceof ConfigError && e.message === `invalid config at task.classSplit: ${split} (got 0.6 at ${path}:4:15)`);
});

test('an unknown field with an empty key ("": 1, or nothing before the colon) is named by a quoted empty key, not an empty path segment', async () => {
  // Before: "invalid config at model.: unknown field (check its spelling and level)", and at the top level no path at all.
  const empty = 'unknown field with an empty name (a key written "" or with nothing before its colon)';
  for (const [text, path] of [[`${head}  "": 1\n`, 'model.""'], [`${head}  : 1\n`, 'model.""'], [`"": 1\n${head}`, '""']] as const) {
    await assert.rejects(loadRunConfig(file(text)), (e: Error) => e instanceof ConfigError && e.path === path && e.message === `invalid config at ${path}: ${empty}`, text);
  }
  // A key holding a dot is quoted too, so that the path does not read as two levels.
  await assert.rejects(loadRunConfig(file(`${head}  model.kind: 1\n`)), (e: Error) => e instanceof ConfigError && e.message === 'invalid config at model."model.kind": unknown field (check its spelling and level)');
});

test('a config path that is a pipe no writer had opened says so and to start the writer first; "-" is told to give /dev/stdin', async () => {
  // Before: "invalid config: FIFO is empty (or only comments): a run config is a mapping …", as for an empty file, and
  // "-: cannot read it: no such file".
  const fifo = join(tempDir(), 'run.yaml');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(
    loadRunConfig(fifo),
    (e: Error) => e instanceof ConfigError && e.message === `invalid config: ${fifo}: a pipe that gave no bytes: no writer had opened it, or its writer wrote nothing (a pipe with no writer is not waited for: start the writer first)`,
  );
  await assert.rejects(loadRunConfig('-'), (e: Error) => e instanceof ConfigError && e.message === 'invalid config: -: cannot read it: no such file (to read the config from standard input, give /dev/stdin)');
  // An empty regular file is still "empty".
  await assert.rejects(loadRunConfig(file('')), (e: Error) => e instanceof ConfigError && / is empty \(or only comments\)/.test(e.message));
});
