import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, ShapeError } from '../../src/core/errors';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from '../../src/core/safetensors';

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

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'ck/params.safetensors'),
    (e: unknown) => e instanceof CheckpointError && e.message.startsWith('ck/params.safetensors: ') && pattern.test(e.message),
  );
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

test('safetensors encoding refuses a reserved name and a data length that does not match the shape', () => {
  assert.throws(() => encodeSafetensors(new Map([['__metadata__', { shape: [1], data: new Float32Array(1) }]])), ShapeError);
  assert.throws(
    () => encodeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])),
    (e: unknown) => e instanceof ShapeError && /tensor w/.test(e.message),
  );
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
  rejects(badUtf8, /header is not valid UTF-8/);
  rejects(fileWith('[1, 2]'), /does not start with '\{'/);
  rejects(fileWith('{"a": {"dtype": '), /header is not valid JSON/);
  rejects(fileWith({ __metadata__: ['x'] }), /__metadata__ is not an object/);
  rejects(fileWith({ __metadata__: { step: 4 } }), /__metadata__\.step is 4, not a string/);
});

test('safetensors decoding rejects bad tensor entries, naming the tensor', () => {
  const f32 = (shape: number[], data_offsets: number[]) => ({ dtype: 'F32', shape, data_offsets });
  rejects(fileWith({ w: 3 }), /header entry "w" is not an object/);
  rejects(fileWith({ w: { ...f32([1], [0, 4]), extra: 1 } }, new Uint8Array(4)), /tensor w: unknown header field "extra"/);
  rejects(fileWith({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor w: dtype is missing/);
  rejects(fileWith({ w: { ...f32([1], [0, 2]), dtype: 'F16' } }, new Uint8Array(2)), /tensor w: unsupported dtype "F16"; metatrain reads F32 only/);
  rejects(fileWith({ w: { ...f32([1], [0, 4]), dtype: 'F33' } }, new Uint8Array(4)), /"F33" \(not a safetensors dtype\)/);
  rejects(fileWith({ w: f32([-1], [0, 4]) }, new Uint8Array(4)), /tensor w: shape \[-1\] is not a list of non-negative integers/);
  rejects(fileWith({ w: f32([1], [0]) }, new Uint8Array(4)), /tensor w: data_offsets \[0\] is not a pair/);
  rejects(fileWith({ w: f32([0], [4, 0]) }, new Uint8Array(4)), /tensor w: data_offsets \[4, 0\] end before they begin/);
  rejects(fileWith({ w: f32([2, 3], [0, 20]) }, new Uint8Array(20)), /tensor w: shape \[2, 3\] × 4 bytes = 24 bytes, but data_offsets \[0, 20\] span 20/);
});

test('safetensors decoding rejects offsets that overlap, leave holes, run past the data or leave trailing bytes', () => {
  const f32 = (n: number, b: number) => ({ dtype: 'F32', shape: [n], data_offsets: [b, b + 4 * n] });
  rejects(fileWith({ a: f32(2, 0), b: f32(2, 4) }, new Uint8Array(12)), /tensor b: data_offsets \[4, 12\] overlap the previous tensor, which ends at 8/);
  rejects(fileWith({ a: f32(1, 0), b: f32(1, 8) }, new Uint8Array(12)), /tensor b: .* leave a hole of 4 bytes after offset 4/);
  rejects(fileWith({ a: f32(1, 4) }, new Uint8Array(8)), /leave a hole of 4 bytes after offset 0/);
  rejects(fileWith({ a: f32(1, 0) }, new Uint8Array(12)), /8 trailing bytes after the last tensor/);
  const whole = encodeSafetensors(sample());
  rejects(whole.subarray(0, whole.length - 3), /truncated: tensor scale ends at data offset 40 but the file holds 37 data bytes/);
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
