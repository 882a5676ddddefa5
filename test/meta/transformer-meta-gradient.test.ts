/**
 * The second-order paths on the text transformer (int32 token ids, class labels, attention softmax, LayerNorm,
 * cross-entropy): MAML with adapt: all, head+layernorm and lora (LoRA adapters, body frozen), ANIL, and Meta-SGD against directional finite
 * differences of the true meta-objective. Directional (⟨g, v⟩ for unit directions v over every meta-parameter,
 * half along g, half random) because the tiny model still has ~3,000 parameters. ε = 1e-3 (float32 rounding
 * dominates below, truncation above). Error |⟨g, v⟩ − FD| / ‖g‖ < 5e-4 (measured 2e-7 – 1.4e-4); FOMAML's
 * ⟨g, v⟩ misses by more than 5× the tolerance (measured 3.5e-3 – 2.6e-2), so the check has teeth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { paramSet, type ParamSet } from '../../src/core/param-set';
import { Rng } from '../../src/core/rng';
import { createModel } from '../../src/model/create-model';
import type { Task, TextSet } from '../../src/tasks/task';
import { computeMetaGradient } from '../../src/meta/meta-gradient';
import { adaptableNames, frozenNames, initMetaParams } from '../../src/meta/meta-params';
import { derivativeAlong, trueMetaObjective } from './fixtures';

const TOLERANCE = 5e-4;
const EPS = 1e-3;
const set = (texts: string[], labels: number[]): TextSet => ({ kind: 'text', texts, labels: Int32Array.from(labels) });
const task: Task = {
  spec: { family: 'jsonl', split: 'train', seed: 0 },
  support: set(['the cat sat', 'dogs bark loud', 'a cat naps', 'the dog runs', 'cats purr', 'dog bites'], [0, 1, 0, 1, 0, 1]),
  query: set(['cat on mat', 'dog in fog', 'small cat', 'big dog'], [0, 1, 0, 1]),
};

function config(name: 'maml' | 'metasgd' | 'fomaml', adapt: 'all' | 'head' | 'head+layernorm' | 'lora', headInit: 'learned' | 'prototypes', innerLr: number) {
  const lora = adapt === 'lora';
  return parseRunConfig({
    name: 't',
    task: { family: 'jsonl', path: 'x.jsonl' },
    model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 12, loraRank: lora ? 2 : 0 },
    algorithm: { name, adapt, headInit, innerLr, innerSteps: 2 },
    compression: { enabled: !lora },
  });
}

/**
 * The unit direction of g/‖g‖ + r/‖r‖ for a random r: every element is probed, and ⟨g, v⟩ stays near 0.7‖g‖.
 * Elements named in `frozen` are not probed (r is zero there): the outer loop does not learn them.
 */
function direction(g: ParamSet, seed: number, frozen: readonly string[]): ParamSet {
  const rng = new Rng(seed);
  const r = paramSet([...g].map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(t.data, () => (frozen.includes(n) ? 0 : rng.normal())) }] as const));
  const [gn, rn] = [norm(g), norm(r)];
  const raw = paramSet([...g].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((v, i) => v / gn + r.get(n)!.data[i]! / rn) }] as const));
  const vn = norm(raw);
  return paramSet([...raw].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((v) => v / vn) }] as const));
}

const dot = (a: ParamSet, b: ParamSet) => [...a].reduce((s, [n, t]) => s + t.data.reduce((u, v, i) => u + v * b.get(n)!.data[i]!, 0), 0);
const norm = (a: ParamSet) => Math.sqrt(dot(a, a));

// With a prototype head the logits are squared distances (large), and two full-body steps at rate 0.5 leave an
// objective so curved that finite differences spread 0.4‖g‖ (measured): adapt: all uses rate 0.05 there (spread
// 1.6e-4). The body-adapting prototype cases caught tfjs taking the first inner step's gradient through the
// prototypes (error 1.1e-2 before ./inner-loop's identity copies).
const cases = [
  ['maml', 'all', 'learned', 0.5], ['maml', 'head+layernorm', 'learned', 0.5], ['maml', 'head', 'learned', 0.5], ['metasgd', 'head+layernorm', 'learned', 0.5],
  ['maml', 'head', 'prototypes', 0.5], ['maml', 'all', 'prototypes', 0.05], ['maml', 'head+layernorm', 'prototypes', 0.5], ['metasgd', 'head', 'prototypes', 0.5],
  ['maml', 'lora', 'learned', 0.1], ['metasgd', 'lora', 'learned', 0.05],
] as const;

/** LoRA B starts at zero, where ∂L/∂A vanishes; the check moves B to random values so that A is tested too. */
function withRandomLoraB(meta: ParamSet): ParamSet {
  const rng = new Rng(9);
  return paramSet([...meta].map(([n, t]) => [n, n.endsWith('.lora_b') ? { shape: t.shape, data: Float32Array.from(t.data, () => 0.1 * rng.normal()) } : t] as const));
}
for (const [name, adapt, headInit, innerLr] of cases) {
  test(`${name} with adapt: ${adapt}, headInit: ${headInit} on the transformer matches directional finite differences`, () => {
    const c = config(name, adapt, headInit, innerLr);
    const model = createModel(c.model, 2);
    const meta = withRandomLoraB(initMetaParams(c, 2, 1));
    const g = computeMetaGradient(model, meta, task, c.algorithm).gradient;
    const frozen = frozenNames(model, adapt);
    assert.equal(frozen.length > 0, adapt === 'lora', 'only lora freezes the body');
    for (const n of frozen) assert.ok(g.get(n)!.data.every((x) => x === 0), `frozen ${n} gradient should be zero`);
    const fo = computeMetaGradient(model, paramSet([...meta].filter(([n]) => !n.startsWith('lr/'))), task, { ...c.algorithm, name: 'fomaml' }).gradient;
    const inner = { steps: 2, lr: name === 'metasgd' ? ('learned' as const) : innerLr, adaptable: adaptableNames(model, adapt), prototypeHead: headInit === 'prototypes' };
    // A prototype head replaces the meta-learned one: the loss does not depend on head.*, whose gradient is zero.
    if (headInit === 'prototypes') for (const n of model.headNames) assert.ok(g.get(n)!.data.every((x) => x === 0), `${n} gradient should be zero`);
    for (const seed of [1, 2]) {
      const v = direction(g, seed, frozen);
      const fd = derivativeAlong((h) => {
        const moved = paramSet([...meta].map(([n, t]) => [n, { shape: t.shape, data: t.data.map((x, i) => x + h * v.get(n)!.data[i]!) }] as const));
        return { value: trueMetaObjective(model, moved, task, inner), step: h };
      }, EPS);
      const err = Math.abs(dot(g, v) - fd.median) / norm(g);
      if (process.env.META_TEST_VERBOSE) console.log(`${name}/${adapt} direction ${seed}: error ${err.toExponential(2)}, spread ${(fd.spread / norm(g)).toExponential(2)}, fomaml ${(Math.abs(dot(fo, v) - fd.median) / norm(g)).toExponential(2)}`);
      assert.ok(err < TOLERANCE, `${name}/${adapt} direction ${seed}: ⟨g, v⟩ = ${dot(g, v)}, finite differences ${fd.median}`);
      if (name === 'maml') assert.ok(Math.abs(dot(fo, v) - fd.median) / norm(g) > 5 * TOLERANCE, 'FOMAML should miss');
    }
  });
}
