import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/core/config';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { frozenNames, initMetaParams } from '../../src/meta/meta-params';
import { LORA_TARGETS, loraNamesOf } from '../../src/model/architecture';
import { createModel } from '../../src/model/create-model';
import { toTensors } from '../../src/model/params-tf';
import type { Task, TextSet } from '../../src/tasks/task';

const model = { kind: 'transformer', layers: 2, dModel: 8, heads: 2, dFf: 12, maxLength: 10 } as const;
const loraConfig = (name: 'maml' | 'fomaml' | 'reptile' | 'metasgd' = 'maml') =>
  parseRunConfig({ name: 'l', task: { family: 'jsonl', path: 'x.jsonl' }, model: { ...model, loraRank: 3, loraAlpha: 6 }, algorithm: { name, adapt: 'lora' }, compression: { enabled: false } });
const set = (texts: string[], labels: number[]): TextSet => ({ kind: 'text', texts, labels: Int32Array.from(labels) });
const texts = set(['the cat sat', 'dogs bark', 'a cat naps', 'the dog runs'], [0, 1, 0, 1]);

function logits(config: ReturnType<typeof loraConfig>['model'], params: ParamSet): Float32Array {
  const m = createModel(config, 2);
  return tf.tidy(() => {
    const { x } = m.encode(texts);
    return m.forward(toTensors(params), x).dataSync() as Float32Array;
  });
}

test('LoRA adapters: every attention and feed-forward weight gets A [in, r] and B [r, out]; B starts at zero', () => {
  const c = loraConfig();
  const m = createModel(c.model, 2);
  assert.equal(m.loraNames.length, 2 * LORA_TARGETS.length * model.layers);
  assert.deepEqual(m.spec.get('layer1.ff.w1.lora_a'), [8, 3]);
  assert.deepEqual(m.spec.get('layer1.ff.w1.lora_b'), [3, 12]);
  assert.deepEqual(m.spec.get('layer0.ff.w2.lora_a'), [12, 3]);
  const meta = initMetaParams(c, 2, 4);
  for (const n of m.loraNames) {
    const values = meta.get(n)!.data;
    assert.equal(values.every((v) => v === 0), n.endsWith('.lora_b'), n);
  }
});

test('LoRA with zero-initialized B leaves the forward pass unchanged (bitwise); with B ≠ 0 it is W + (α/r)·A·B', () => {
  const c = loraConfig();
  const withAdapters = initMetaParams(c, 2, 4);
  const base = paramSet([...withAdapters].filter(([n]) => !n.includes('.lora_')));
  const plain = { ...c.model, loraRank: 0 };
  assert.deepEqual(logits(c.model, withAdapters), logits(plain, base));

  // Random B: the same logits as the plain model with every weight merged by hand in float64.
  const rng = new Rng(3);
  const adapted = paramSet([...withAdapters].map(([n, t]) => [n, n.endsWith('.lora_b') ? { shape: t.shape, data: Float32Array.from(t.data, () => 0.3 * rng.normal()) } : t] as const));
  const merged = paramSet(
    [...base].map(([n, t]) => {
      if (!adapted.has(loraNamesOf(n).a)) return [n, t] as const;
      const a = adapted.get(loraNamesOf(n).a)!;
      const b = adapted.get(loraNamesOf(n).b)!;
      const [rows, cols] = t.shape as [number, number];
      const data = Float32Array.from(t.data, (w, k) => {
        const [i, j] = [Math.floor(k / cols), k % cols];
        let ab = 0;
        for (let q = 0; q < 3; q++) ab += a.data[i * 3 + q]! * b.data[q * cols + j]!;
        return w + (6 / 3) * ab;
      });
      assert.equal(data.length, rows * cols);
      return [n, { shape: t.shape, data }] as const;
    }),
  );
  const [ours, reference] = [logits(c.model, adapted), logits(plain, merged)];
  assert.notDeepEqual(ours, logits(plain, base), 'non-zero B changes the output');
  ours.forEach((v, i) => assert.ok(Math.abs(v - reference[i]!) < 1e-4, `logit ${i}: ${v} vs ${reference[i]}`));
});

test('adapt: lora freezes the body in the outer loop: every algorithm returns a zero meta-gradient for it', () => {
  const task: Task = { spec: { family: 'jsonl', split: 'train', seed: 0 }, support: texts, query: set(['cat mat', 'dog fog'], [0, 1]) };
  for (const name of ['maml', 'fomaml', 'reptile', 'metasgd'] as const) {
    const c = loraConfig(name);
    const m = createModel(c.model, 2);
    const { gradient } = computeMetaGradient(m, initMetaParams(c, 2, 4), task, c.algorithm);
    const frozen = frozenNames(m, 'lora');
    assert.ok(frozen.includes('embed.token') && frozen.includes('layer0.attn.wq') && !frozen.includes('head.w'));
    for (const n of frozen) assert.ok(gradient.get(n)!.data.every((x) => x === 0), `${name}: ${n}`);
    const learned = [...gradient].filter(([n]) => !frozen.includes(n));
    assert.ok(learned.some(([n, t]) => n.endsWith('.lora_b') && t.data.some((x) => x !== 0)), `${name}: adapters learn`);
  }
});

test('LoRA configs are refused where they cannot work, naming the field', () => {
  const base = { name: 'l', task: { family: 'jsonl', path: 'x.jsonl' }, compression: { enabled: false } };
  const cases: Array<[object, RegExp]> = [
    [{ model: { ...model }, algorithm: { adapt: 'lora' } }, /algorithm\.adapt: lora needs a transformer with layers ≥ 1 and model\.loraRank ≥ 1/],
    [{ model: { ...model, layers: 0, loraRank: 2 }, algorithm: { adapt: 'lora' } }, /algorithm\.adapt: lora needs a transformer with layers ≥ 1/],
    [{ model: { ...model, loraRank: 2 }, algorithm: { adapt: 'all' } }, /model\.loraRank: adapters are only trained with algorithm\.adapt: lora, got adapt: all(?! \(got)/],
  ];
  for (const [change, message] of cases) assert.throws(() => parseRunConfig({ ...base, ...change }), message);
});
