import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTextFile, decodeUtf8, describeUtf8Problem, firstControlByte } from '../../src/core/utf8-text';

const problemOf = (bytes: Buffer) => {
  const d = decodeUtf8(bytes);
  assert.ok('problem' in d, 'refused');
  return d.problem;
};

test('decodeUtf8 decodes UTF-8 (a byte-order mark dropped) and locates the first byte that is not UTF-8', () => {
  assert.deepEqual(decodeUtf8(Buffer.from('\uFEFFcafé 😀\n', 'utf8')), { text: 'café 😀\n' });
  // Latin-1 "café" on line 2: the é byte (0xE9) is the 4th of the line, followed by a space.
  assert.deepEqual(problemOf(Buffer.concat([Buffer.from('ok\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n'), Buffer.from([0xff])])), { offset: 6, line: 2, byteInLine: 4, byte: 0xe9, badLines: 2, wideEncoding: undefined });
  // A sequence cut at the end of a line, and a valid 3-byte character before the bad byte.
  assert.deepEqual(problemOf(Buffer.concat([Buffer.from('€x'), Buffer.from([0xe2, 0x82])])), { offset: 4, line: 1, byteInLine: 5, byte: 0xe2, badLines: 1, wideEncoding: undefined });
  assert.deepEqual(problemOf(Buffer.from([0x80])), { offset: 0, line: 1, byteInLine: 1, byte: 0x80, badLines: 1, wideEncoding: undefined });
  const utf16 = problemOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"text": "hi"}\n', 'utf16le')]));
  assert.equal(utf16.wideEncoding, 'UTF-16');
  assert.match(describeUtf8Problem(utf16), /is UTF-16 text .*save it as UTF-8/);
  assert.equal(
    describeUtf8Problem({ offset: 6, line: 2, byteInLine: 4, byte: 0xe9, badLines: 1, wideEncoding: undefined }),
    'not UTF-8 text: byte 0xE9 (byte 4 of the line) is not valid UTF-8 (1 line of the file has such bytes); save the file as UTF-8 (from Latin-1 or Windows-1252: iconv -f WINDOWS-1252 -t UTF-8)',
  );
});

test('firstControlByte finds a NUL or another control byte with its offset and line (the first byte of the file included); tab, CR and LF are text', () => {
  assert.equal(firstControlByte(Buffer.from('a:\tb\r\nc: é\n')), undefined);
  assert.deepEqual(firstControlByte(Buffer.from('ab\ncd\u0000e\u0001')), { offset: 5, line: 2, byteInLine: 3, byte: 0 });
  assert.deepEqual(firstControlByte(Buffer.from([0x61, 0xe9, 0x7f])), { offset: 2, line: 1, byteInLine: 3, byte: 0x7f });
  // The first byte of a file with line feeds after it (before: line 4, byte -9 of the line).
  assert.deepEqual(firstControlByte(Buffer.from('\babc\n\ndef\n')), { offset: 0, line: 1, byteInLine: 1, byte: 0x08 });
});

test('decodeTextFile names the first byte that is not text, by offset, and never the bytes themselves', () => {
  assert.deepEqual(decodeTextFile(Buffer.from('\uFEFFname: café\n')), { text: 'name: café\n' });
  assert.deepEqual(decodeTextFile(Buffer.from('ok\nname: x\u0000y\n')), {
    problem: 'not a text file: byte 0x00 (NUL) at byte offset 10 (line 2, byte 8 of the line) is a control character no text holds (a binary file?)',
  });
  // The first problem by offset: a Latin-1 é before a NUL, and a NUL before an invalid byte.
  const latin = decodeTextFile(Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9, 0x00])]));
  assert.ok('problem' in latin && latin.problem.startsWith('at byte offset 3 (line 1): not UTF-8 text: byte 0xE9'), JSON.stringify(latin));
  const elf = decodeTextFile(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0xff]));
  assert.ok('problem' in elf && elf.problem.startsWith('not a text file: byte 0x7F (DEL) at byte offset 0 (line 1, byte 1 of the line)'), JSON.stringify(elf));
  const utf16 = decodeTextFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]));
  assert.ok('problem' in utf16 && /^is UTF-16 text/.test(utf16.problem), JSON.stringify(utf16));
});

test('UTF-32 text, with or without a byte-order mark, either byte order, is named as UTF-32 (before: a NUL control byte, or UTF-16 by its mark)', () => {
  const rows = '{"text": "hi", "label": "a"}\n{"text": "héllo", "label": "b"}\n';
  const little = Buffer.alloc(rows.length * 4);
  [...rows].forEach((c, i) => little.writeUInt32LE(c.codePointAt(0)!, 4 * i));
  const big = Buffer.from(little).swap32();
  for (const bytes of [little, big, Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), little]), Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), big])]) {
    assert.equal(problemOf(bytes).wideEncoding, 'UTF-32', bytes.subarray(0, 8).toString('hex'));
    const file = decodeTextFile(bytes);
    assert.ok('problem' in file && file.problem === 'is UTF-32 text (it starts with a UTF-32 byte-order mark, or has three NUL bytes in every four), not UTF-8: save it as UTF-8 (iconv -f UTF-32 -t UTF-8)', JSON.stringify(file));
  }
  // UTF-16 stays UTF-16, with or without its mark; UTF-8 text with a NUL or two is not mistaken for either.
  assert.equal(problemOf(Buffer.from(rows, 'utf16le')).wideEncoding, 'UTF-16');
  assert.equal(problemOf(Buffer.from(rows, 'utf16le').swap16()).wideEncoding, 'UTF-16');
  assert.deepEqual(decodeUtf8(Buffer.from('ab\u0000\u0000\u0000cd\n')), { text: 'ab\u0000\u0000\u0000cd\n' });
});
