import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { RateLimitedLog } from '../../src/core/rate-limited-log';

test('a rate-limited log keeps one line per key per interval and says how many it left out', () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) });
  let now = 0;
  const log = new RateLimitedLog(pino({}, sink), 1000, () => now);
  assert.equal(log.warn('a', { n: 1 }, 'first a'), true);
  assert.equal(log.warn('a', { n: 2 }, 'second a'), false);
  assert.equal(log.warn('b', { n: 3 }, 'first b'), true);
  now = 999;
  assert.equal(log.warn('a', { n: 4 }, 'third a'), false);
  now = 1000;
  assert.equal(log.warn('a', { n: 5 }, 'fourth a'), true);
  assert.equal(log.warn('b', { n: 6 }, 'second b'), true);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.n, l.suppressed, l.level]),
    [
      ['first a', 1, undefined, 40],
      ['first b', 3, undefined, 40],
      ['fourth a', 5, 2, 40],
      ['second b', 6, undefined, 40],
    ],
  );
});
