/** docs/wire.md's test vectors and statements, recomputed: a third-party worker can trust the page. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packageFile } from '../../src/core/package-root';
import * as grpc from '@grpc/grpc-js';
import { parse } from 'yaml';
import { parseRunConfig } from '../../src/core/config';
import { deriveSeed, Rng } from '../../src/core/rng';
import { workerConfig } from '../../src/coordinator/coordinator';
import { taskFamilyFor } from '../../src/tasks/task-family';
import type { RegressionSet } from '../../src/tasks/task';
import { checkToken } from '../../src/wire/credentials';

const doc = readFileSync(packageFile('docs/wire.md'), 'utf8');
/** The value cell of the test-vector row whose expression cell is `expression`. */
function vector(expression: string): string {
  const row = doc.split('\n').find((l) => l.startsWith(`| ${expression} |`));
  assert.ok(row, `docs/wire.md has no test vector ${expression}`);
  return row.split('|')[2]!.trim();
}
const list = (cell: string) => cell.split(',').map((v) => Number(v.trim()));

test('docs/wire.md: seed derivation and Rng draws', () => {
  assert.equal(Number(vector('`deriveSeed(0)`')), deriveSeed(0));
  assert.equal(Number(vector('`deriveSeed(7, "train", 1, 0)`')), deriveSeed(7, 'train', 1, 0));
  assert.equal(Number(vector('`deriveSeed("sotu", "train", 837249198)`')), deriveSeed('sotu', 'train', 837249198));
  const r = new Rng(837249198);
  assert.deepEqual(list(vector('`Rng(837249198)`: first three `next()`')), [r.next(), r.next(), r.next()]);
  const i = new Rng(42);
  assert.deepEqual(list(vector('`Rng(42)`: first three `int(10)`')), [i.int(10), i.int(10), i.int(10)]);
});

test('docs/wire.md: task rebuilding for sinusoid and sotu', () => {
  const sinusoid = taskFamilyFor(parseRunConfig({ name: 's', seed: 3, task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } }));
  const spec = sinusoid.sampleSpec('train', deriveSeed(3, 'train', 1, 0));
  assert.equal(Number(vector('sinusoid (seed 3) train spec of step 1, task 0').replace('seed ', '')), spec.seed);
  const support = sinusoid.build(spec).support as RegressionSet;
  assert.deepEqual(list(vector('its first three support x (float32)')), Array.from(support.x.slice(0, 3)));
  assert.deepEqual(list(vector('its first three support y (float32)')), Array.from(support.y.slice(0, 3)));
  // The documented sinusoid draw order, re-implemented from the page.
  const rng = new Rng(spec.seed);
  const amplitude = rng.uniform(0.1, 5);
  const phase = rng.uniform(0, Math.PI);
  const x = Math.fround(rng.uniform(-5, 5));
  assert.equal(support.x[0], x);
  assert.equal(support.y[0], Math.fround(amplitude * Math.sin(x - phase)));
  const quickstart = parseRunConfig({ ...(parse(readFileSync(packageFile('examples/quickstart.yaml'), 'utf8')) as object) });
  const task = taskFamilyFor(quickstart).sampleSpec('train', deriveSeed(quickstart.seed, 'train', 1, 0));
  assert.deepEqual(list(vector('quickstart (sotu, seed 7) train task of step 1, index 0: classes')), task.classes);
});

test('docs/wire.md: the auth scheme is case-insensitive (RFC 7235), the token exact; workers get no kubernetes or nats section', () => {
  const md = (value: string) => {
    const m = new grpc.Metadata();
    m.set('authorization', value);
    return m;
  };
  for (const ok of ['Bearer tok', 'bearer tok', 'BEARER  tok']) assert.equal(checkToken(md(ok), 'tok'), undefined, ok);
  assert.equal(checkToken(md('Bearer TOK'), 'tok'), 'wrong run token');
  assert.match(checkToken(md('Basic tok'), 'tok')!, /not "Bearer <run token>"/);
  assert.match(checkToken(md('tok'), 'tok')!, /not "Bearer <run token>"/);
  assert.equal(checkToken(new grpc.Metadata(), 'tok'), 'no run token presented');
  const config = parseRunConfig({ name: 'w', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' }, nats: { url: 'nats://user:secret@n:4222' } });
  const sent = workerConfig(config);
  assert.ok(!('kubernetes' in sent) && !('nats' in sent));
  assert.deepEqual(parseRunConfig(JSON.parse(JSON.stringify(sent))).model, config.model, 'a worker cannot parse what it is sent');
});
