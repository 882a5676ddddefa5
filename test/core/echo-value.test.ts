import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoJson, MAX_ECHOED_VALUE_CHARS } from '../../src/core/echo-value';

test('echoJson escapes every non-printable character of a string, C1 controls and format characters too', () => {
  assert.equal(echoJson('plain "quoted" \\ text'), '"plain \\"quoted\\" \\\\ text"');
  assert.equal(echoJson('a\u0000\u0007\r\n\t\u007f\u0085\u009b\u200e\u202e\u2028\ue000\ud800z'), '"a\\u0000\\u0007\\r\\n\\t\\u007f\\u0085\\u009b\\u200e\\u202e\\u2028\\ue000\\ud800z"');
  assert.equal(echoJson(['\u0085']), '["\\u0085"]', 'inside other values too');
  assert.equal(echoJson('é 😀 日本'), '"é 😀 日本"', 'printable characters stay as they are');
});

test('echoJson cuts a string of control characters before escaping it, counting the characters of the string', () => {
  const shown = echoJson('\u0001'.repeat(300));
  assert.equal(shown, `"${'\\u0001'.repeat(MAX_ECHOED_VALUE_CHARS - 1)}…" (300 characters)`);
  assert.deepEqual([...shown].filter((c) => c < ' '), []);
});
