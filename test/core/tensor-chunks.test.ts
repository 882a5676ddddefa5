import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonFiniteError, ProtocolError } from '../../src/core/errors';
import { paramSet } from '../../src/core/param-set';
import { ChunkAssembler, chunkParamSet, MAX_CHUNK_BYTES } from '../../src/core/tensor-chunks';

const big = new Float32Array(700_000).map((_, i) => Math.sin(i));
const params = paramSet([
  ['a', { shape: [700, 1000], data: big }],
  ['b', { shape: [], data: new Float32Array([3]) }],
]);

test('a ParamSet travels in chunks of at most 1 MiB and reassembles bit for bit', () => {
  const chunks = chunkParamSet(params);
  assert.ok(chunks.every((c) => c.data.byteLength <= MAX_CHUNK_BYTES));
  assert.equal(chunks.filter((c) => c.name === 'a').length, 3);
  const asm = new ChunkAssembler('test');
  for (const c of chunks) asm.add(c);
  const out = asm.finish();
  assert.deepEqual(out.get('a')!.shape, [700, 1000]);
  assert.ok(Buffer.from(out.get('a')!.data.buffer).equals(Buffer.from(big.buffer)));
  assert.equal(out.get('b')!.data[0], 3);
});

test('bad chunks are refused with the tensor and the problem named', () => {
  const [first, second] = chunkParamSet(params, 4096);
  const cases: Array<[object, RegExp, typeof ProtocolError]> = [
    [{ ...first, dtype: 'float16' }, /tensor "a": dtype "float16" is not supported/, ProtocolError],
    [{ ...first, offset: 5 }, /first chunk starts at offset 5/, ProtocolError],
    [{ ...first, totalElements: 3 }, /shape \[700, 1000\] has 700000 elements but the chunk says 3/, ProtocolError],
    [{ ...first, data: new Uint8Array(6) }, /not a whole number of float32 values/, ProtocolError],
    [{ ...first, data: new Uint8Array(new Float32Array([1, NaN]).buffer) }, /value NaN at index 1 is not finite/, NonFiniteError],
  ];
  for (const [chunk, message, type] of cases) {
    const asm = new ChunkAssembler('result of task t from worker w');
    assert.throws(() => asm.add(chunk as never), (e: unknown) => e instanceof type && message.test((e as Error).message) && /worker w/.test((e as Error).message));
  }
  const asm = new ChunkAssembler('x');
  asm.add(first!);
  assert.throws(() => asm.add({ ...second!, offset: 0 }), /chunk at offset 0, expected 1024/);
  assert.throws(() => asm.finish(), /incomplete \(1024 of 700000 values\)/);
});
