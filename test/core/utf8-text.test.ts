import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8, describeUtf8Problem } from '../../src/core/utf8-text';

const problemOf = (bytes: Buffer) => {
  const d = decodeUtf8(bytes);
  assert.ok('problem' in d, 'refused');
  return d.problem;
};

test('decodeUtf8 decodes UTF-8 (a byte-order mark dropped) and locates the first byte that is not UTF-8', () => {
  assert.deepEqual(decodeUtf8(Buffer.from('\uFEFFcafé 😀\n', 'utf8')), { text: 'café 😀\n' });
  // Latin-1 "café" on line 2: the é byte (0xE9) is the 4th of the line, followed by a space.
  assert.deepEqual(problemOf(Buffer.concat([Buffer.from('ok\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n'), Buffer.from([0xff])])), { line: 2, byteInLine: 4, byte: 0xe9, badLines: 2, utf16: false });
  // A sequence cut at the end of a line, and a valid 3-byte character before the bad byte.
  assert.deepEqual(problemOf(Buffer.concat([Buffer.from('€x'), Buffer.from([0xe2, 0x82])])), { line: 1, byteInLine: 5, byte: 0xe2, badLines: 1, utf16: false });
  assert.deepEqual(problemOf(Buffer.from([0x80])), { line: 1, byteInLine: 1, byte: 0x80, badLines: 1, utf16: false });
  const utf16 = problemOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"text": "hi"}\n', 'utf16le')]));
  assert.equal(utf16.utf16, true);
  assert.match(describeUtf8Problem(utf16), /is UTF-16 text .*save it as UTF-8/);
  assert.equal(
    describeUtf8Problem({ line: 2, byteInLine: 4, byte: 0xe9, badLines: 1, utf16: false }),
    'not UTF-8 text: byte 0xE9 (byte 4 of the line) is not valid UTF-8 (1 line of the file has such bytes); save the file as UTF-8 (from Latin-1 or Windows-1252: iconv -f WINDOWS-1252 -t UTF-8)',
  );
});
