/**
 * Messages encoded once (src/wire/pre-encoded.ts): an assignment with its parameter chunks spliced in from bytes
 * encoded once decodes to the same message as one encoded whole, for the proto-loader decoder the workers use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkParamSet } from '../../src/core/tensor-chunks';
import { paramSet } from '../../src/core/param-set';
import { metatrainProto } from '../../src/wire/proto';
import { encodeChunk, withParameterChunks } from '../../src/wire/pre-encoded';
import { encodeJoinMessage } from '../../src/coordinator/message-size';

const assignment = {
  assignmentId: 'w#1-train/3/17#1',
  kind: 'TASK_KIND_TRAIN',
  step: 3,
  index: 17,
  attempt: 1,
  paramVersion: 'meta/2',
  paramKind: 'PARAM_KIND_META',
  task: { family: 'sinusoid', split: 'train', seed: 12345, classes: [] },
  deadlineUnixMs: 1_800_000_000_000,
};

test('an assignment with spliced parameter chunks decodes like one encoded whole', () => {
  // Sizes that need one- and two-byte length varints, several tensors, and a tensor split over two chunks.
  const params = paramSet([
    ['a', { shape: [3], data: new Float32Array([1, -2, 3.5]) }],
    ['b', { shape: [40, 40], data: new Float32Array(1600).map((_, i) => Math.sin(i)) }],
    ['c', { shape: [300], data: new Float32Array(300).map((_, i) => i / 7) }],
  ]);
  const chunks = chunkParamSet(params, 1024);
  assert.ok(chunks.length > 3, 'the test needs a tensor in several chunks');
  const decode = metatrainProto().Coordinator.service.Join.responseDeserialize;
  const whole = encodeJoinMessage({ assignment: { ...assignment, parameters: chunks.map((c) => ({ ...c, data: Buffer.from(c.data) })) } });
  const spliced = withParameterChunks(encodeJoinMessage({ assignment }), chunks.map(encodeChunk));
  assert.equal(spliced.length, whole.length);
  assert.deepEqual(decode(spliced), decode(whole));
  assert.equal(decode(spliced).assignment!.parameters.length, chunks.length);
});

test('no chunks leaves the bytes as they are; a message that is not only an assignment is refused', () => {
  const plain = encodeJoinMessage({ assignment });
  assert.equal(withParameterChunks(plain, []), plain);
  const chunk = encodeChunk(chunkParamSet(paramSet([['a', { shape: [1], data: new Float32Array([1]) }]]))[0]!);
  assert.throws(() => withParameterChunks(encodeJoinMessage({ welcome: { workerId: 'w#1', runName: 'r', configJson: '{}' } }), [chunk]), /not a CoordinatorMessage\{assignment\}/);
  assert.throws(() => withParameterChunks(Buffer.concat([plain, Buffer.from([0x08, 0x01])]), [chunk]), /more than its assignment/);
});
