import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError } from '../../src/core/errors';
import { FileReadError } from '../../src/core/errors';
import { jsonlCorpus, loadLabelledJsonl, loadTextJsonl, MAX_JSONL_FILE_BYTES, MAX_REPORTED_LINES } from '../../src/tasks/jsonl';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'metatrain-jsonl-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('valid files load with blank lines, CRLF, a BOM, numeric labels and extra fields', () => {
  const path = file(
    'good.jsonl',
    '\uFEFF{"text": "hello there", "label": "greet"}\r\n\r\n   \n{"text": "bye now", "label": 2, "id": 7}\n{"text": "hi", "label": "greet"}\n',
  );
  assert.deepEqual(loadLabelledJsonl(path), [
    { text: 'hello there', label: 'greet', line: 1 },
    { text: 'bye now', label: '2', line: 4 },
    { text: 'hi', label: 'greet', line: 5 },
  ]);
  assert.deepEqual(jsonlCorpus(path), { name: path, classes: ['greet', '2'], examples: [['hello there', 'hi'], ['bye now']] });
});

test('bad lines are DatasetErrors naming the file, the 1-based line and what is wrong', () => {
  const good = '{"text": "fine", "label": "a"}\n';
  const cases: Array<[string, string, number, RegExp]> = [
    ['not-json.jsonl', `${good}\n{"text": "x", "label": }\n`, 3, /not valid JSON/],
    ['array.jsonl', `${good}["x", "a"]\n`, 2, /expected an object .* got an array/],
    ['number.jsonl', `42\n`, 1, /expected an object .* got number 42/],
    ['null.jsonl', `${good}${good}null\n`, 3, /got null/],
    ['no-text.jsonl', `${good}{"label": "a"}\n`, 2, /missing field "text"/],
    ['text-type.jsonl', `{"text": 5, "label": "a"}\n`, 1, /"text" must be a string, got number 5/],
    // Before: "got number null" (JSON.stringify of Infinity); said as a number label is.
    ['text-overflow.jsonl', `{"text": 1.5e999, "label": "c1"}\n`, 1, /"text" must be a string, got number 1\.5e999, which is too large for a JSON number \(it reads as Infinity\)$/],
    ['empty-text.jsonl', `${good}{"text": "  ", "label": "a"}\n`, 2, /"text" is empty/],
    ['no-label.jsonl', `${good}${good}{"text": "x"}\n`, 3, /missing field "label"/],
    ['label-type.jsonl', `{"text": "x", "label": true}\n`, 1, /"label" must be a string or a number, got boolean true/],
    ['label-null.jsonl', `{"text": "x", "label": null}\n`, 1, /"label" must be a string or a number, got null/],
    ['empty-label.jsonl', `${good}{"text": "x", "label": ""}\n`, 2, /"label" is an empty string/],
  ];
  for (const [name, content, line, message] of cases) {
    const path = file(name, content);
    assert.throws(
      () => loadLabelledJsonl(path),
      (e: unknown) =>
        e instanceof DatasetError && e.line === line && e.message.startsWith(`${path}:${line}: `) && message.test(e.message),
      `${name}: expected line ${line} and ${message}`,
    );
  }
});

test('a file of control characters is reported with each bad line echoed escaped and cut: no raw control character reaches the terminal', () => {
  // A line of 500 control characters in a string, then every character U+0000..U+00FF ten times, as UTF-8 (C0 and
  // C1 controls; the line feed splits lines). Bytes that are not UTF-8 are refused before: src/core/utf8-text.ts.
  const bytes = Buffer.from(String.fromCharCode(...Array.from({ length: 2560 }, (_, i) => (i * 131) % 256)), 'utf8');
  const path = join(dir, 'binary.jsonl');
  writeFileSync(path, Buffer.concat([Buffer.from(`"${'\u0001'.repeat(500)}\n`), bytes]));
  assert.throws(
    () => loadLabelledJsonl(path),
    (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      const bad = [...e.message].filter((c) => /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u2028\u2029]/u.test(c) && c !== '\n');
      assert.deepEqual(bad, [], 'no non-printable character in the message');
      const lines = e.message.split('\n').filter((l) => / not valid JSON /.test(l));
      assert.ok(lines.length >= 2);
      for (const l of lines) {
        const echoed = /not valid JSON \([^)]*\): ("(?:[^"\\]|\\.)*")( \(\d+ characters\))?$/.exec(l);
        assert.ok(echoed && (JSON.parse(echoed[1]!) as string).length <= 80, `the line echoed as a JSON string of at most 80 characters: ${l}`);
      }
      assert.match(e.message, /:1: not valid JSON \(Bad control character in string literal in JSON at position 1\): "\\"(\\u0001){78}…" \(501 characters\)/);
      return true;
    },
  );
});

test('empty and unreadable files are DatasetErrors without a line', () => {
  const empty = file('empty.jsonl', '\n  \n');
  assert.throws(() => loadLabelledJsonl(empty), (e: unknown) => e instanceof DatasetError && e.line === undefined && /no examples/.test(e.message));
  const missing = join(dir, 'missing.jsonl');
  assert.throws(() => loadLabelledJsonl(missing), (e: unknown) => e instanceof DatasetError && e.message === `${missing}: cannot read it: no such file`);
});

test('standard input of blank lines only is said to be standard input, not a file', () => {
  // Before: `predict --data -` with whitespace piped in said "stdin: no examples: the file is empty or has only blank lines".
  for (const load of [loadLabelledJsonl, loadTextJsonl]) {
    assert.throws(() => load({ stdin: Buffer.from(' \n\n\t\r\n') }), (e: unknown) => e instanceof DatasetError && e.line === undefined && e.message === 'stdin: no examples: standard input gave only blank lines');
  }
});

test('a JSONL file that is not a regular file or is over the limit is a DatasetError naming it, before it is read', () => {
  const refused = (load: () => unknown, source: string, message: string) =>
    assert.throws(load, (e: unknown) => {
      assert.ok(e instanceof DatasetError && e.cause instanceof FileReadError, String(e));
      assert.equal(e.source, source);
      assert.equal(e.line, undefined);
      assert.equal(e.message, message);
      return true;
    });
  // Before: /dev/zero was read until memory ran out.
  const started = performance.now();
  for (const load of [loadLabelledJsonl, loadTextJsonl]) {
    refused(() => load('/dev/zero'), '/dev/zero', '/dev/zero: not a regular file but a character device: give a JSONL file');
    refused(() => load(dir), dir, `${dir}: not a regular file but a directory: give a JSONL file`);
  }
  refused(() => jsonlCorpus('/dev/zero'), '/dev/zero', '/dev/zero: not a regular file but a character device: give a JSONL file');
  assert.ok(performance.now() - started < 2000, 'refused without reading');
  // The limit, given small: a file of exactly the limit is read, one byte more is refused by its size.
  const line = '{"text": "hello there", "label": "greet"}\n';
  const path = file('limit.jsonl', line);
  const bytes = Buffer.byteLength(line);
  assert.equal(loadLabelledJsonl(path, bytes).length, 1);
  assert.equal(loadTextJsonl(path, bytes).length, 1);
  const over = `${path}: ${bytes} bytes, more than the ${bytes - 1} bytes allowed; loading a JSONL file takes about 5 times its size in memory (MAX_JSONL_FILE_BYTES): give a sample of it`;
  refused(() => loadLabelledJsonl(path, bytes - 1), path, over);
  refused(() => loadTextJsonl(path, bytes - 1), path, over);
  assert.equal(MAX_JSONL_FILE_BYTES, 128 << 20);
});

test('a number label and a string label with the same name are a DatasetError naming both lines and both values', () => {
  const lines = (first: unknown, second: unknown) =>
    [
      { text: 'one', label: 'a' },
      { text: 'two', label: 'b' },
      { text: 'three', label: first },
      { text: 'four', label: 'a' },
      { text: 'five', label: 1.5 },
      { text: 'six', label: 'b' },
      { text: 'seven', label: second },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
  const numberFirst = file('number-first.jsonl', lines(1, '1'));
  assert.throws(
    () => loadLabelledJsonl(numberFirst),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.line === 7 &&
      e.message === `${numberFirst}:7: label 1 (number, line 3) and "1" (string, line 7) would be the same class; use one type`,
  );
  const stringFirst = file('string-first.jsonl', lines('1.5', 2));
  assert.throws(
    () => loadLabelledJsonl(stringFirst),
    (e: unknown) => e instanceof DatasetError && e.line === 5 && e.message === `${stringFirst}:5: label "1.5" (string, line 3) and 1.5 (number, line 5) would be the same class; use one type`,
  );
  assert.throws(() => jsonlCorpus(numberFirst), (e: unknown) => e instanceof DatasetError && /would be the same class/.test(e.message));
  // The same number written twice, or numbers and strings that do not collide, stay allowed.
  const fine = file('fine.jsonl', lines(1, 1));
  assert.deepEqual(jsonlCorpus(fine).classes, ['a', 'b', '1', '1.5']);
});

test('a number label that JSON parsing would change, or written in another form than its number (10.0, 1e1, 2.50), is a DatasetError naming the file, line and label as written, asking for a string', () => {
  const lossy = (written: string, reason: RegExp): [string, RegExp, string] => [written, reason, ''];
  // Before: 10, 10.0 and 1e1 were one class "10", and 2.50 came back as "2.5".
  const form = (written: string, number: string): [string, RegExp, string] => [written, new RegExp(`^is another way of writing the number ${number.replace(/\./g, '\\.')},`), `, or as the number ${number}`];
  const cases: Array<[string, RegExp, string]> = [
    lossy('12345678901234567890', /has more digits than a JSON number holds \(it reads as 12345678901234567000\)/),
    lossy('0.1000000000000000055511151231257827', /has more digits than a JSON number holds \(it reads as 0\.1\)/),
    lossy('1e400', /is too large for a JSON number \(it reads as Infinity\)/),
    lossy('1e-400', /is too small for a JSON number \(it reads as 0\)/),
    lossy('-0', /reads as 0 \(a JSON number loses the sign of zero\)/),
    lossy('-0.0', /reads as 0 \(a JSON number loses the sign of zero\)/),
    form('10.0', '10'),
    form('1e1', '10'),
    form('2.50', '2.5'),
    form('1E2', '100'),
    form('0.10', '0.1'),
    form('1.5E-7', '1.5e-7'),
    form('0.00000015', '1.5e-7'),
  ];
  for (const [written, reason, or] of cases) {
    const path = file('lossy.jsonl', `{"text": "fine", "label": 0}\n{"text": "x", "label": ${written}}\n`);
    for (const load of [loadLabelledJsonl, loadTextJsonl, jsonlCorpus]) {
      assert.throws(
        () => load(path),
        (e: unknown) =>
          e instanceof DatasetError &&
          e.line === 2 &&
          e.message.startsWith(`${path}:2: label ${written} `) &&
          reason.test(e.message.slice(`${path}:2: label ${written} `.length)) &&
          e.message.endsWith(`: write it as a string, "label": "${written}"${or}`),
        written,
      );
    }
  }
  // Integers and short decimals written in their number's own form stay number labels.
  const fine = file('numbers.jsonl', ['7', '-12', '2.5', '0', '1.5e-7', '9007199254740991', '0.1'].map((l) => `{"text": "t", "label": ${l}}`).join('\n'));
  assert.deepEqual(jsonlCorpus(fine).classes, ['7', '-12', '2.5', '0', '1.5e-7', '9007199254740991', '0.1']);
});

test('a string label holding a control or format character or a line or paragraph separator is refused naming it, its code point and position', () => {
  // Before: "c1\u0000" was a class of its own that printed like "c1"; so were "c1\u200b" and "\u202eab" (printed
  // like "ba"), which were accepted even after control characters were refused.
  const cases: Array<[string, string, string, string]> = [
    ['c1\u0000', 'control character', '0000', '3'],
    ['\u0007bell', 'control character', '0007', '1'],
    ['a\tb', 'control character', '0009', '2'],
    ['😀x\u0085', 'control character', '0085', '3'],
    ['del\u007f', 'control character', '007F', '4'],
    ['\u202eab', 'format character', '202E', '1'],
    ['c1\u200b', 'format character', '200B', '3'],
    ['\ufeffc1', 'format character', 'FEFF', '1'],
    ['a\u2028b', 'line separator', '2028', '2'],
    ['a\u2029', 'paragraph separator', '2029', '2'],
    ['fruit\u200d', 'joiner, not between two visible characters,', '200D', '6'],
    ['\u200c', 'joiner, not between two visible characters,', '200C', '1'],
    ['a\u200c\u200db', 'joiner, not between two visible characters,', '200C', '2'],
    ['a \u200db', 'joiner, not between two visible characters,', '200D', '3'],
  ];
  for (const [label, kind, code, at] of cases) {
    const path = file('control.jsonl', `{"text": "a", "label": "c1"}\n${JSON.stringify({ text: 'b', label })}\n`);
    assert.throws(
      () => loadLabelledJsonl(path),
      (e: unknown) =>
        e instanceof DatasetError &&
        e.line === 2 &&
        e.message.startsWith(`${path}:2: "label" holds the ${kind} U+${code} at character ${at} (`) &&
        e.message.endsWith('): the class would print like another label; remove it') &&
        !/[\u0000-\u0008\u007f-\u009f\u200b-\u200d\u202e\u2028\u2029\ufeff]/.test(e.message),
      JSON.stringify(label),
    );
  }
  // Printable letters of any script stay labels, and so do words and emoji written with a joiner (U+200C, U+200D).
  const labels = ['日本', 'é', '😀', 'עברית', 'می\u200cخواهم', '👩\u200d💻'];
  const fine = file('fine.jsonl', labels.map((label) => JSON.stringify({ text: 't', label })).join('\n'));
  assert.deepEqual(jsonlCorpus(fine).classes, labels);
});

test('a lone surrogate (\\ud800 without its pair) in a label or a text is refused naming it and its position; a pair is a character', () => {
  // Before: {"label": "\ud800"} was a class, and such a text was read; neither is valid Unicode.
  const path = file('lone.jsonl', '{"text": "a", "label": "c1"}\n{"text": "b", "label": "x\\ud800"}\n{"text": "c\\udc00d", "label": "c1"}\n');
  assert.throws(
    () => loadLabelledJsonl(path),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.line === 2 &&
      e.message.startsWith(`${path}:2: "label" holds the lone surrogate U+D800 at character 2: half of a UTF-16 pair, not a character (a JSON \\ud800 escape without its pair); remove it`) &&
      e.message.includes('and line 3: "text" holds the lone surrogate U+DC00 at character 2'),
  );
  const pair = file('pair.jsonl', '{"text": "a\\ud83d\\ude00", "label": "\\ud83d\\ude00"}\n{"text": "b", "label": "c1"}\n');
  assert.deepEqual(jsonlCorpus(pair).classes, ['😀', 'c1']);
});

test('a key written twice in one object of a line is refused, naming the file, the line and the key, whatever the values', () => {
  // Before: only two number labels were refused; {"text":"a","label":"x","label":"y"} silently read as label "y".
  const cases: Array<[string, string]> = [
    ['{"text": "a", "label": "x", "label": "y"}', 'label'],
    ['{"text": "a", "label": 1, "label": 2}', 'label'],
    ['{"text": "a", "label": "x", "label": "x"}', 'label'],
    ['{"text": "a", "text": "b", "label": "x"}', 'text'],
    ['{"text": "a", "label": "x", "\\u006cabel": "y"}', 'label'],
    ['{"text": "a", "label": "x", "meta": [{"id": 1}, {"id": 2, "id": 3}]}', 'id'],
  ];
  for (const [line, key] of cases) {
    const path = file('twice.jsonl', `{"text": "fine", "label": "x"}\n${line}\n`);
    for (const load of [loadLabelledJsonl, loadTextJsonl]) {
      assert.throws(
        () => load(path),
        (e: unknown) => e instanceof DatasetError && e.line === 2 && e.message === `${path}:2: key "${key}" appears twice in one object (JSON would keep only the last value): give it once`,
        line,
      );
    }
  }
  // The same key in different objects, a key-like string value, and escaped quotes are no duplicates.
  const fine = file('fine.jsonl', '{"text": "say \\"label\\": no", "label": "x", "meta": [{"id": 1}, {"id": 2}], "id": "label:"}\n');
  assert.deepEqual(loadLabelledJsonl(fine).map((e) => [e.text, e.label]), [['say "label": no', 'x']]);
});

test('every bad line is reported, up to a cap, with its line number; the first is the error line', () => {
  const lines = ['{"text": "ok", "label": "a"}', ...Array.from({ length: 30 }, (_, i) => (i % 2 ? `{"text": ${i}, "label": "a"}` : 'nope'))];
  const path = file('many-bad.jsonl', `${lines.join('\n')}\n`);
  assert.throws(
    () => loadLabelledJsonl(path),
    (e: unknown) => {
      if (!(e instanceof DatasetError) || e.line !== 2) return false;
      const shown = e.message.split('\n').filter((l) => l.startsWith('  and line ')).length;
      return (
        e.message.startsWith(`${path}:2: not valid JSON`) &&
        shown === MAX_REPORTED_LINES - 1 &&
        e.message.includes('\n  and line 3: "text" must be a string, got number 1') &&
        e.message.includes(`\n  and ${30 - MAX_REPORTED_LINES} more bad lines`) &&
        e.message.endsWith('(30 bad lines; nothing was read)')
      );
    },
  );
});

test('texts to classify may omit the label; labels that are present are checked as in labelled files', () => {
  const path = file('texts.jsonl', '{"text": "one"}\n\n{"text": "two", "label": 3}\n');
  assert.deepEqual(loadTextJsonl(path), [
    { text: 'one', line: 1 },
    { text: 'two', label: '3', line: 3 },
  ]);
  assert.throws(() => loadLabelledJsonl(path), /texts\.jsonl:1: missing field "label"/);
  const bad = file('texts-bad.jsonl', '{"text": "one", "label": ""}\n{"text": "two", "label": 3}\n{"text": "three", "label": "3"}\n');
  assert.throws(() => loadTextJsonl(bad), /:1: "label" is an empty string\n {2}and line 3: label 3 \(number, line 2\) and "3" \(string, line 3\) would be the same class/);
});

test('labels that print the same are refused: leading or trailing whitespace, and composed and decomposed accents (NFC)', () => {
  // Before: " a" and "a", or "café" composed (U+00E9) and decomposed (e + U+0301), were separate classes printing alike.
  for (const label of [' a', 'a ', '\u00a0a', 'a\u3000']) {
    const path = file('space.jsonl', `{"text": "x", "label": "a"}\n${JSON.stringify({ text: 'y', label })}\n`);
    assert.throws(
      () => loadLabelledJsonl(path),
      (e: unknown) => e instanceof DatasetError && e.line === 2 && e.message.startsWith(`${path}:2: "label" `) && e.message.endsWith(`has leading or trailing whitespace: the class would print like "a"; trim it`),
      JSON.stringify(label),
    );
  }
  const accents = file('nfc.jsonl', ['caf\u00e9', 'tea', 'cafe\u0301'].map((label, i) => JSON.stringify({ text: `t${i}`, label })).join('\n'));
  assert.throws(
    () => loadLabelledJsonl(accents),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.line === 3 &&
      e.message === `${accents}:3: label "caf\u00e9" (string, line 1) and "cafe\u0301" (string, line 3) print the same but are written with different Unicode characters (composed and decomposed accents), so they would be two classes; write them the same way (normalize the file to NFC)`,
  );
  // The same label written the same way, decomposed or not, stays one class; inner spaces stay.
  const fine = file('fine-nfc.jsonl', ['cafe\u0301', 'a b', 'cafe\u0301'].map((label, i) => JSON.stringify({ text: `t${i}`, label })).join('\n'));
  assert.deepEqual(jsonlCorpus(fine).classes, ['cafe\u0301', 'a b']);
});
