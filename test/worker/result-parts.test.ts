/**
 * How a task's result is split into Join-stream messages (src/worker/result-parts.ts): one final part for a gradient
 * of at most 1 MiB (all its chunks), one chunk per part and a final metrics part above that; either way the chunks
 * reassemble to the same gradient, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { ChunkAssembler, MAX_CHUNK_BYTES, type TensorChunkData } from '../../src/core/tensor-chunks';
import { resultParts } from '../../src/worker/result-parts';

const metrics = { queryLoss: 0.5, queryMetric: 0.25, durationSeconds: 0.1 };

function gradientOf(sizes: number[]): ParamSet {
  return paramSet(sizes.map((n, t) => [`t${t}`, { shape: [n], data: Float32Array.from({ length: n }, (_, i) => Math.sin(t + i)) }]));
}

function reassembled(parts: ReturnType<typeof resultParts>): ParamSet {
  const assembler = new ChunkAssembler('test');
  for (const part of parts) for (const chunk of part.gradient ?? []) assembler.add(chunk as TensorChunkData);
  return assembler.finish();
}

function assertSameBits(a: ParamSet, b: ParamSet): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, t] of a) assert.ok(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(b.get(name)!.data.buffer, b.get(name)!.data.byteOffset, b.get(name)!.data.byteLength)), name);
}

test('a gradient of at most 1 MiB goes as one final part with every chunk and the metrics (the sinusoid MLP: 1 message, not 7)', () => {
  const gradient = gradientOf([40, 40, 1600, 40, 40, 1]);
  const parts = resultParts('a1', gradient, metrics);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.final, true);
  assert.deepEqual(parts[0]!.metrics, metrics);
  assert.equal(parts[0]!.gradient!.length, 6);
  assertSameBits(reassembled(parts), gradient);
  // Exactly 1 MiB still fits one part.
  assert.equal(resultParts('a2', gradientOf([MAX_CHUNK_BYTES / 4]), metrics).length, 1);
});

test('a larger gradient goes one chunk per part, then a final part with the metrics alone', () => {
  const gradient = gradientOf([MAX_CHUNK_BYTES / 4 + 1, 10]);
  const parts = resultParts('a3', gradient, metrics);
  assert.deepEqual(parts.map((p) => [p.gradient?.length ?? 0, p.final]), [[1, false], [1, false], [1, false], [0, true]]);
  assert.deepEqual(parts.at(-1)!.metrics, metrics);
  assertSameBits(reassembled(parts), gradient);
});

test('an evaluation result (no gradient) is one final part', () => {
  assert.deepEqual(resultParts('a4', undefined, metrics), [{ assignmentId: 'a4', gradient: [], final: true, metrics }]);
});
