import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, ShapeError } from '../../src/core/errors';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import {
  decodeSafetensors,
  decodeTypedSafetensors,
  encodeSafetensors,
  encodeTypedSafetensors,
  type TypedTensor,
} from '../../src/core/safetensors';
import { MAX_HEADER_BYTES } from '../../src/core/safetensors-layout';

/** Float32 values from raw bit patterns, so NaN payloads and signed zeros are compared exactly. */
function fromBits(bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

function bitsOf(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

function sample(): ParamSet {
  return paramSet([
    ['layer.w', { shape: [2, 3], data: Float32Array.from([1, -2, 0.5, 1e-30, 3.4e38, -0.125]) }],
    ['layer.b', { shape: [3], data: fromBits([0x7fc00001, 0xff800000, 0x80000000]) }], // NaN payload, -Inf, -0
    ['scale', { shape: [], data: fromBits([0x00000001]) }], // smallest subnormal
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

/** A file with the given header text (padded to 8 bytes) and data bytes. */
function fileWith(header: string | object, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + n + data.length, 0x20);
  out.writeBigUInt64LE(BigInt(n), 0);
  json.copy(out, 8);
  out.set(data, 8 + n);
  return out;
}

/** Tensors of every typed dtype: NaN payload and -0 in F32, the I8 and U8 extremes, a scalar and an empty tensor. */
function typedSample(): Map<string, TypedTensor> {
  return new Map<string, TypedTensor>([
    ['w.codes', { dtype: 'I8', shape: [2, 2], data: Int8Array.from([-128, -1, 0, 127]) }],
    ['w.bitmap', { dtype: 'U8', shape: [3], data: Uint8Array.from([0, 128, 255]) }],
    ['w.scales', { dtype: 'F32', shape: [2], data: fromBits([0x7fc00001, 0x80000000]) }],
    ['one', { dtype: 'U8', shape: [], data: Uint8Array.from([7]) }],
    ['none', { dtype: 'I8', shape: [0], data: new Int8Array(0) }],
  ]);
}

const DECODERS = {
  f32: (bytes: Uint8Array, source: string) => decodeSafetensors(bytes, source),
  typed: (bytes: Uint8Array, source: string) => decodeTypedSafetensors(bytes, source),
};

/** `decode` refuses `bytes` with a CheckpointError naming the file and matching `pattern`. */
function rejectsWith(decode: (bytes: Uint8Array, source: string) => unknown, bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decode(bytes, 'ck/params.safetensors'),
    (e: unknown) => e instanceof CheckpointError && e.message.startsWith('ck/params.safetensors: ') && pattern.test(e.message),
  );
}

/** Both the F32 and the typed decoder refuse `bytes` (a defect that does not depend on the dtype). */
function rejects(bytes: Uint8Array, pattern: RegExp): void {
  for (const decode of Object.values(DECODERS)) rejectsWith(decode, bytes, pattern);
}

test('safetensors round trip is bitwise, including NaN payloads, -0, subnormals, scalars, empty tensors', () => {
  const params = sample();
  const { params: back, metadata } = decodeSafetensors(encodeSafetensors(params, { step: '42' }), 'x');
  assert.deepEqual(metadata, { step: '42' });
  assert.deepEqual([...back.keys()], [...params.keys()]);
  for (const [name, t] of params) {
    const u = back.get(name)!;
    assert.deepEqual(u.shape, t.shape, name);
    assert.deepEqual(bitsOf(u.data), bitsOf(t.data), name);
  }
});

test('safetensors layout matches the spec byte by byte', () => {
  const bytes = encodeSafetensors(
    paramSet([
      ['b', { shape: [], data: Float32Array.from([0.5]) }],
      ['a', { shape: [2], data: Float32Array.from([1, -2]) }],
    ]),
    { k: 'v' },
  );
  const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  assert.equal(padded.length % 8, 0);
  const expected = Buffer.concat([
    Buffer.from([padded.length, 0, 0, 0, 0, 0, 0, 0]), // u64 little-endian header length
    Buffer.from(padded, 'utf8'),
    Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]), // a = [1, -2], little-endian IEEE 754
    Buffer.from([0x00, 0x00, 0x00, 0x3f]), // b = 0.5
  ]);
  assert.deepEqual(bytes, expected);
});

test('safetensors header is padded with spaces so the data starts 8-byte aligned', () => {
  for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
    const bytes = encodeSafetensors(paramSet([[name, { shape: [1], data: Float32Array.from([7]) }]]));
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0, name);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    assert.match(text, /^\{.*\} *$/);
    assert.equal(bytes.length, 8 + n + 4);
  }
});

test('typed safetensors round trip is bitwise for F32, I8 and U8, with metadata, in sorted-name order', () => {
  const tensors = typedSample();
  const { tensors: back, metadata } = decodeTypedSafetensors(encodeTypedSafetensors(tensors, { format: 'x' }), 'x');
  assert.deepEqual(metadata, { format: 'x' });
  assert.deepEqual([...back.keys()], [...tensors.keys()].sort());
  for (const [name, t] of tensors) {
    const u = back.get(name)!;
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.equal(u.data.constructor, t.data.constructor, name);
    assert.deepEqual([...new Uint8Array(u.data.buffer, u.data.byteOffset, u.data.byteLength)], [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)], name);
  }
  assert.deepEqual(decodeTypedSafetensors(encodeTypedSafetensors(new Map()), 'x'), { tensors: new Map(), metadata: {} });
});

test('typed safetensors layout matches the spec byte by byte, an F32 tensor after int8 ones included', () => {
  const bytes = encodeTypedSafetensors(
    new Map<string, TypedTensor>([
      ['c', { dtype: 'U8', shape: [2], data: Uint8Array.from([0, 255]) }],
      ['b', { dtype: 'F32', shape: [], data: Float32Array.from([0.5]) }],
      ['a', { dtype: 'I8', shape: [3], data: Int8Array.from([-128, -1, 127]) }],
    ]),
    { k: 'v' },
  );
  const json =
    '{"__metadata__":{"k":"v"},"a":{"dtype":"I8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"F32","shape":[],"data_offsets":[3,7]},"c":{"dtype":"U8","shape":[2],"data_offsets":[7,9]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const expected = Buffer.concat([
    Buffer.from([padded.length, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from(padded, 'utf8'),
    Buffer.from([0x80, 0xff, 0x7f]), // a = [-128, -1, 127], two's complement
    Buffer.from([0x00, 0x00, 0x00, 0x3f]), // b = 0.5 at data offset 3 (unaligned)
    Buffer.from([0x00, 0xff]), // c = [0, 255]
  ]);
  assert.deepEqual(bytes, expected);
  const b = decodeTypedSafetensors(bytes, 'x').tensors.get('b')!;
  assert.ok(b.data instanceof Float32Array);
  assert.deepEqual([...b.data], [0.5]);
});

test('safetensors encoding refuses a reserved name, a bad dimension and a data length that does not match the shape', () => {
  const refuses = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof ShapeError && pattern.test(e.message));
  refuses(() => encodeSafetensors(new Map([['__metadata__', { shape: [1], data: new Float32Array(1) }]])), /may not be named __metadata__/);
  refuses(() => encodeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])), /tensor w has shape \[2, 2\] but 3 values/);
  refuses(() => encodeSafetensors(new Map([['w', { shape: [-1], data: new Float32Array(0) }]])), /tensor w has shape \[-1\]; dimensions must be non-negative integers/);
  refuses(() => encodeTypedSafetensors(new Map([['__metadata__', { dtype: 'U8', shape: [1], data: new Uint8Array(1) }]])), /may not be named __metadata__/);
  refuses(() => encodeTypedSafetensors(new Map([['q', { dtype: 'I8', shape: [2, 2], data: new Int8Array(3) }]])), /tensor q has shape \[2, 2\] but 3 values/);
  refuses(() => encodeTypedSafetensors(new Map([['q', { dtype: 'U8', shape: [1.5], data: new Uint8Array(1) }]])), /tensor q has shape \[1\.5\]; dimensions must be non-negative/);
});

test('typed safetensors encoding refuses a dtype that does not match the array, or one it does not write', () => {
  const refuses = (t: unknown, pattern: RegExp) =>
    assert.throws(() => encodeTypedSafetensors(new Map([['q', t as TypedTensor]])), (e: unknown) => e instanceof ShapeError && pattern.test(e.message));
  refuses({ dtype: 'I8', shape: [2], data: new Uint8Array(2) }, /tensor q is declared I8 but holds a Uint8Array, not a Int8Array/);
  refuses({ dtype: 'U8', shape: [2], data: new Int8Array(2) }, /tensor q is declared U8 but holds a Int8Array/);
  refuses({ dtype: 'F32', shape: [2], data: new Float64Array(2) }, /tensor q is declared F32 but holds a Float64Array/);
  refuses({ dtype: 'F16', shape: [2], data: new Uint16Array(2) }, /tensor q has dtype "F16"; metatrain writes F32, I8, U8/);
});

test('safetensors decoding rejects a malformed frame or header, naming the file and the defect', () => {
  rejects(new Uint8Array(5), /truncated: 5 bytes/);
  const beyond = Buffer.alloc(16);
  beyond.writeBigUInt64LE(1000n, 0);
  rejects(beyond, /header length 1000 runs beyond the file \(8 bytes/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(BigInt(MAX_HEADER_BYTES) + 1n, 0);
  rejects(huge, /exceeds the 100000000-byte limit/);
  const badUtf8 = fileWith('{"a":1}');
  badUtf8[9] = 0xff;
  rejects(badUtf8, /header is not valid UTF-8 \(the spec requires UTF-8 JSON; first byte above 0x7F at header offset 1\)/);
  rejects(fileWith('[1, 2]'), /does not start with '\{'/);
  rejects(fileWith('{"a": {"dtype": '), /header is not valid JSON/);
  rejects(fileWith({ __metadata__: ['x'] }), /__metadata__ is not an object/);
  rejects(fileWith({ __metadata__: { step: 4 } }), /__metadata__\.step is 4, not a string/);
});

test('safetensors errors show a header padded with NULs escaped, and a corrupt shape\'s byte count in two digits', () => {
  // Before: the raw NUL reached the terminal, and the count read "needs 4.8357032784559997e+36 bytes".
  const nulPadded = fileWith('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4));
  nulPadded.fill(0, 8 + 55, 8 + 56);
  rejects(nulPadded, /header is not valid JSON \(Expected end of input but got '\\u0000' at position 55\)$/);
  assert.throws(() => decodeSafetensors(nulPadded, 'x'), (e: Error) => !e.message.includes('\0'));
  const huge = [1_000_000_000_000, 1_000_000_000_000, 1_208_925_819_614];
  rejects(fileWith({ w: { dtype: 'F32', shape: huge, data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 4\.8e36 bytes \(far beyond any memory\), but data_offsets \[0, 4\] span 4$/);
});

test('safetensors decoding refuses a header that holds a key twice, which JSON.parse would read as the last one', () => {
  const w = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  rejects(fileWith(`{"w":${w},"w":${w}}`, new Uint8Array(4)), /header holds the key "w" twice; the spec allows each key once/);
  rejects(fileWith(`{"w":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4)), /header holds the key "shape" twice/);
});

test('safetensors decoding rejects bad tensor entries, naming the tensor', () => {
  const f32 = (shape: number[], data_offsets: number[]) => ({ dtype: 'F32', shape, data_offsets });
  rejects(fileWith({ w: 3 }), /header entry "w" is not an object/);
  rejects(fileWith({ w: { ...f32([1], [0, 4]), extra: 1 } }, new Uint8Array(4)), /tensor w: unknown header field "extra"/);
  rejects(fileWith({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor w: dtype is missing/);
  rejectsWith(DECODERS.f32, fileWith({ w: { ...f32([1], [0, 2]), dtype: 'F16' } }, new Uint8Array(2)), /tensor w: unsupported dtype "F16"; expected F32$/);
  rejectsWith(DECODERS.typed, fileWith({ w: { ...f32([1], [0, 2]), dtype: 'F16' } }, new Uint8Array(2)), /tensor w: unsupported dtype "F16"; expected F32, I8, U8$/);
  rejects(fileWith({ w: { ...f32([1], [0, 4]), dtype: 'F33' } }, new Uint8Array(4)), /"F33" \(not a safetensors dtype\)/);
  rejects(fileWith({ w: f32([-1], [0, 4]) }, new Uint8Array(4)), /tensor w: shape\[0\] of \[-1\] is -1: a dimension cannot be negative/);
  rejects(fileWith({ w: f32([1], [0]) }, new Uint8Array(4)), /tensor w: data_offsets \[0\] has 1 elements; it must be a pair \[begin, end\]/);
  rejects(fileWith({ w: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), /tensor w: data_offsets is missing; it must be a pair/);
  rejects(fileWith({ w: f32([1], [-4, 0]) }, new Uint8Array(4)), /tensor w: data_offsets\[0\] of \[-4,0\] is -4: an offset cannot be negative/);
  rejects(fileWith({ w: f32([1.5], [0, 4]) }, new Uint8Array(4)), /tensor w: shape\[0\] of \[1.5\] is 1.5, not an integer written in decimal digits/);
  rejects(fileWith({ w: f32(['1' as unknown as number], [0, 4]) }, new Uint8Array(4)), /tensor w: shape\[0\] of \["1"\] is "1", not a number/);
  // 2^64 is echoed with all its digits, not as the double 18446744073709552000.
  rejects(fileWith('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}', new Uint8Array(4)), /tensor w: data_offsets\[1\] of \[0,18446744073709551616\] is 18446744073709551616, beyond 2\^53 - 1/);
  rejects(fileWith({ w: f32([0], [4, 0]) }, new Uint8Array(4)), /tensor w: data_offsets \[4, 0\] end before they begin/);
  rejects(fileWith({ w: f32([2, 3], [0, 20]) }, new Uint8Array(20)), /tensor w: shape \[2, 3\] of F32 \(4 bytes each\) needs 24 bytes, but data_offsets \[0, 20\] span 20/);
  rejectsWith(DECODERS.typed, fileWith({ q: { dtype: 'I8', shape: [3], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor q: shape \[3\] of I8 \(1 byte each\) needs 3 bytes, but data_offsets \[0, 4\] span 4/);
  rejectsWith(DECODERS.typed, fileWith({ q: { dtype: 'U8', shape: [2, 2], data_offsets: [0, 16] } }, new Uint8Array(16)), /tensor q: shape \[2, 2\] of U8 \(1 byte each\) needs 4 bytes, but data_offsets \[0, 16\] span 16/);
});

test('the F32 decoder refuses integer tensors that the typed decoder reads; the typed decoder reads only the dtypes asked for', () => {
  const bytes = encodeTypedSafetensors(typedSample());
  rejectsWith(DECODERS.f32, bytes, /tensor none: unsupported dtype "I8"; expected F32$/);
  rejectsWith(DECODERS.f32, fileWith({ q: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor q: unsupported dtype "U8"; expected F32$/);
  assert.equal(decodeTypedSafetensors(bytes, 'x').tensors.size, 5);
  rejectsWith((b, s) => decodeTypedSafetensors(b, s, ['I8', 'U8']), bytes, /tensor w\.scales: unsupported dtype "F32"; expected I8, U8$/);
  const f32Only = encodeSafetensors(sample());
  for (const t of decodeTypedSafetensors(f32Only, 'x', ['F32']).tensors.values()) assert.equal(t.dtype, 'F32');
});

test('safetensors decoding rejects offsets that overlap, leave holes, run past the data or leave trailing bytes', () => {
  const f32 = (n: number, b: number) => ({ dtype: 'F32', shape: [n], data_offsets: [b, b + 4 * n] });
  rejects(fileWith({ a: f32(2, 0), b: f32(2, 4) }, new Uint8Array(12)), /tensor b: data_offsets \[4, 12\] overlap those of tensor a, \[0, 8\]/);
  rejects(fileWith({ a: f32(2, 0), b: f32(1, 0), c: f32(1, 8) }, new Uint8Array(12)), /tensor a: data_offsets \[0, 8\] overlap those of tensor b, \[0, 4\]/);
  rejects(fileWith({ a: f32(1, 0), b: f32(1, 8) }, new Uint8Array(12)), /tensor b: .* leave a hole of 4 bytes after offset 4/);
  rejects(fileWith({ a: f32(1, 4) }, new Uint8Array(8)), /leave a hole of 4 bytes after offset 0/);
  rejects(fileWith({ a: f32(1, 0) }, new Uint8Array(12)), /8 trailing bytes after the last tensor/);
  const whole = encodeSafetensors(sample());
  rejects(whole.subarray(0, whole.length - 3), /truncated: tensor scale ends at data offset 40 but the file holds 37 data bytes/);
  const typed = encodeTypedSafetensors(typedSample());
  rejectsWith(DECODERS.typed, typed.subarray(0, typed.length - 3), /truncated: tensor w\.scales ends at data offset 16 but the file holds 13 data bytes/);
  rejectsWith(DECODERS.typed, Buffer.concat([typed, Buffer.from([0])]), /1 trailing bytes after the last tensor \(data holds 17, tensors cover 16\)/);
  const i8 = (n: number, b: number) => ({ dtype: 'I8', shape: [n], data_offsets: [b, b + n] });
  rejectsWith(DECODERS.typed, fileWith({ a: i8(3, 0), b: i8(2, 2) }, new Uint8Array(4)), /tensor b: data_offsets \[2, 4\] overlap those of tensor a, \[0, 3\]/);
  rejectsWith(DECODERS.typed, fileWith({ a: i8(1, 0), b: i8(1, 2) }, new Uint8Array(3)), /tensor b: .* leave a hole of 1 bytes after offset 1/);
});

function pythonHasSafetensors(): boolean {
  return spawnSync('python3', ['-c', 'import safetensors, numpy'], { stdio: 'ignore' }).status === 0;
}

test(
  'safetensors files are byte-compatible with the Python safetensors package',
  { skip: pythonHasSafetensors() ? false : 'python3 with safetensors and numpy is not installed' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-py-'));
    try {
      const ours = join(dir, 'ours.safetensors');
      const theirs = join(dir, 'theirs.safetensors');
      const params = sample();
      writeFileSync(ours, encodeSafetensors(params, { step: '42' }));
      // Python reads our file and writes the same tensors back with its own serializer.
      const script = [
        'import sys, json',
        'from safetensors import safe_open',
        'from safetensors.numpy import load_file, save_file',
        't = load_file(sys.argv[1])',
        'meta = safe_open(sys.argv[1], "np").metadata()',
        'save_file(t, sys.argv[2], metadata=meta)',
        'print(json.dumps({k: [list(v.shape), str(v.dtype), v.view("uint32").ravel().tolist()] for k, v in t.items()}))',
      ].join('\n');
      const r = spawnSync('python3', ['-c', script, ours, theirs], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const seen = JSON.parse(r.stdout) as Record<string, [number[], string, number[]]>;
      for (const [name, t] of params) {
        assert.deepEqual(seen[name], [[...t.shape], 'float32', bitsOf(t.data)], name);
      }
      const theirBytes = readFileSync(theirs);
      assert.deepEqual(theirBytes, encodeSafetensors(params, { step: '42' }));
      const back = decodeSafetensors(theirBytes, theirs).params;
      for (const [name, t] of params) assert.deepEqual(bitsOf(back.get(name)!.data), bitsOf(t.data), name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
