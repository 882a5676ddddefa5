import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng';
import { dequantize, INT8_MAX, quantizePerChannel } from '../../src/compress/quantize';

function randomMatrix(rows: number, cols: number, seed: number): { shape: [number, number]; data: Float32Array } {
  const rng = new Rng(seed);
  // Channels of very different ranges: column j scaled by 10^(j mod 5 − 2).
  const data = Float32Array.from({ length: rows * cols }, (_, i) => rng.normal() * 10 ** ((i % cols) % 5 - 2));
  return { shape: [rows, cols], data };
}

test('per-channel int8 round trip: every dequantized weight is within half a step of the original, per channel', () => {
  for (const axis of [0, 1] as const) {
    const t = randomMatrix(37, 23, axis + 1);
    const q = quantizePerChannel(t, axis);
    const back = dequantize(q);
    assert.equal(q.scales.length, t.shape[axis]);
    const [, cols] = t.shape;
    for (let i = 0; i < t.data.length; i++) {
      const c = axis === 1 ? i % cols : Math.floor(i / cols);
      const step = q.scales[c]!;
      assert.ok(Math.abs(back.data[i]! - t.data[i]!) <= step / 2 + 1e-7 * step, `axis ${axis} element ${i}: error ${Math.abs(back.data[i]! - t.data[i]!)} > ${step / 2}`);
    }
    // The largest magnitude of each channel maps to ±127 (the range is used fully) and −128 never appears.
    for (let c = 0; c < q.scales.length; c++) {
      const codes = Array.from(q.values).filter((_, i) => (axis === 1 ? i % cols : Math.floor(i / cols)) === c);
      assert.equal(Math.max(...codes.map(Math.abs)), INT8_MAX);
    }
    assert.ok(!q.values.includes(-128));
  }
});

test('a channel of zeros gets scale 1 and zero codes; a non-finite weight is refused with its index', () => {
  const q = quantizePerChannel({ shape: [2, 2], data: Float32Array.of(0, 3, 0, -1.5) }, 1);
  assert.deepEqual(Array.from(q.scales), [1, Math.fround(3 / 127)]);
  assert.deepEqual(Array.from(q.values), [0, 127, 0, -64]);
  assert.throws(() => quantizePerChannel({ shape: [1, 2], data: Float32Array.of(1, NaN) }, 1, 'layer0.ff.w1'), /layer0\.ff\.w1: value NaN at index 1/);
  assert.throws(() => quantizePerChannel({ shape: [4], data: new Float32Array(4) }, 1, 'b'), /2-D/);
});
