/**
 * Personalization (src/meta/personalize.ts): the held-out accuracy that chooses the number of steps counts a tie as
 * wrong, as `metatrain predict --data` does (src/meta/prediction-score.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/core/config';
import { initBackend } from '../../src/model/backend';
import { createModel } from '../../src/model/create-model';
import { initMetaParams } from '../../src/meta/meta-params';
import { personalizableLabels, personalize } from '../../src/meta/personalize';

test('personalize with a reset head scores 0 steps as 0 held-out accuracy (every logit ties), not the first label\'s share, and counts the ties (none from prototypes)', async () => {
  await initBackend('cpu');
  const config = parseRunConfig({ name: 'p', task: { family: 'sotu', ways: 3 }, model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24 }, algorithm: { name: 'maml', adapt: 'head', innerLr: 0.5 } });
  const metaParams = initMetaParams(config, 3, 5); // a 3-way head; the user has 2 labels, so it is reset to zeros
  const examples = ['ann', 'bob'].flatMap((label) => Array.from({ length: 3 }, (_, i) => ({ text: `${label} says ${i}`, label })));
  const result = await personalize(createModel(config.model, 2), metaParams, examples, config.algorithm, true, { maxSteps: 0 });
  assert.equal(result.heldOutExamples, 2, 'one example of each label held out');
  // Before: arg-max gave every tie to "ann", so the held-out "ann" example was right: 50%.
  assert.deepEqual(result.curve, [0]);
  assert.equal(result.heldOutAccuracy, 0);
  assert.equal(result.heldOutTies, 2, 'both held-out examples tie under the zero head');
  // headInit prototypes: the reset head starts at the mean features of each label's training examples, not zeros,
  // so these texts do not tie. Before, adapt's warning said of it "reset to zeros … gives every label the same probability".
  const prototypes = { ...config.algorithm, headInit: 'prototypes' as const };
  const fromPrototypes = await personalize(createModel(config.model, 2), metaParams, examples, prototypes, true, { maxSteps: 0 });
  assert.equal(fromPrototypes.heldOutTies, 0);
});

test('personalizableLabels refuses one example per label, saying what the held-out example is for at --max-steps 0 too', () => {
  const once = ['ann', 'bob'].map((label) => ({ text: `${label} says hi`, label }));
  // Before: 'to hold one out and choose the number of steps' with --max-steps 0, which chooses none.
  assert.throws(() => personalizableLabels(once, 'u.jsonl', 0), (e: Error) => e.message === "u.jsonl: needs at least 2 examples of some label to hold one out and measure the meta-initialization's held-out accuracy (--max-steps 0 fine-tunes nothing, but the accuracy is still measured on held-out examples)");
  assert.throws(() => personalizableLabels(once, 'u.jsonl', 5), (e: Error) => e.message === 'u.jsonl: needs at least 2 examples of some label to hold one out and choose the number of steps');
  assert.throws(() => personalizableLabels(once, 'u.jsonl'), /choose the number of steps/, 'the default --max-steps is 50');
  assert.deepEqual(personalizableLabels([...once, { text: 'ann again', label: 'ann' }], 'u.jsonl', 0), ['ann', 'bob']);
});
