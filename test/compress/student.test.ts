import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { specOf } from '../../src/core/param-set';
import { architectureOf, initParams } from '../../src/model/architecture';
import { initBackend } from '../../src/model/backend';
import { initMetaParams } from '../../src/meta/meta-params';
import { studentInit, studentModelConfig } from '../../src/compress/student';
import { randomInputs, typescriptOutputs } from '../../src/compress/onnx-check';

before(async () => {
  await initBackend('cpu');
});

const transformer = parseRunConfig({ name: 's', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 2, dModel: 32, heads: 4, dFf: 48, maxLength: 16 } });

test('the student config scales the widths: dModel to a multiple of the heads, dFf and MLP widths rounded', () => {
  assert.deepEqual(
    (({ dModel, dFf, heads, layers }) => ({ dModel, dFf, heads, layers }))(studentModelConfig(transformer.model, 0.5)),
    { dModel: 16, dFf: 24, heads: 4, layers: 2 },
  );
  assert.equal(studentModelConfig(transformer.model, 0.3).dModel, 8); // 9.6 → 2 heads' worth of 4
  assert.equal(studentModelConfig(transformer.model, 0.01).dModel, 4); // never below one dimension per head
  const mlp = parseRunConfig({ name: 'm', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp', hidden: [40, 40] } }).model;
  assert.deepEqual(studentModelConfig(mlp, 0.25).hidden, [10, 10]);
  assert.throws(() => studentModelConfig(mlp, 0), /\(0, 1\]/);
});

test('a width-1 student starts as the teacher exactly; a narrower one has the student architecture\'s shapes', () => {
  const teacher = initParams(transformer.model, 5, 7);
  const same = studentInit(teacher, transformer.model, studentModelConfig(transformer.model, 1));
  for (const [name, t] of teacher) assert.deepEqual(same.get(name)!.data, t.data, name);
  const narrow = studentModelConfig(transformer.model, 0.5);
  assert.deepEqual(specOf(studentInit(teacher, transformer.model, narrow)), architectureOf(narrow, 5).spec);
  const input = randomInputs(transformer.model, 4, 1);
  assert.deepEqual(typescriptOutputs(transformer.model, 5, same, input, 4), typescriptOutputs(transformer.model, 5, teacher, input, 4));
});

test('the MLP student keeps the hidden units of largest weight norm, and Meta-SGD rates are sliced with their parameters', () => {
  const config = parseRunConfig({ name: 'm', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp', hidden: [4] }, algorithm: { name: 'metasgd', adapt: 'all' } });
  const teacher = initMetaParams(config, 1, 3);
  // Scores |w_u|·|head_u|: unit 2 largest, then unit 3 (0.36) just above unit 1 (0.25); unit 0 smallest.
  const w = teacher.get('layer0.w')!.data;
  const head = teacher.get('head.w')!.data;
  w.set([0.01, 0.5, 3, 0.6]);
  head.set([0.01, 0.5, 3, 0.6]);
  teacher.get('lr/layer0.w')!.data.set([10, 11, 12, 13]);
  const student = studentInit(teacher, config.model, { ...config.model, hidden: [2] });
  assert.deepEqual(Array.from(student.get('layer0.w')!.data), [Math.fround(3), Math.fround(0.6)]);
  assert.deepEqual(Array.from(student.get('head.w')!.data), [Math.fround(3), Math.fround(0.6)]);
  assert.deepEqual(Array.from(student.get('lr/layer0.w')!.data), [12, 13]);
});
