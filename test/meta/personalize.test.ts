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
import { personalize } from '../../src/meta/personalize';

test('personalize with a reset head scores 0 steps as 0 held-out accuracy (every logit ties), not the first label\'s share', async () => {
  await initBackend('cpu');
  const config = parseRunConfig({ name: 'p', task: { family: 'sotu', ways: 3 }, model: { kind: 'transformer', layers: 1, dModel: 8, heads: 2, dFf: 16, maxLength: 24 }, algorithm: { name: 'maml', adapt: 'head', innerLr: 0.5 } });
  const metaParams = initMetaParams(config, 3, 5); // a 3-way head; the user has 2 labels, so it is reset to zeros
  const examples = ['ann', 'bob'].flatMap((label) => Array.from({ length: 3 }, (_, i) => ({ text: `${label} says ${i}`, label })));
  const result = await personalize(createModel(config.model, 2), metaParams, examples, config.algorithm, true, { maxSteps: 0 });
  assert.equal(result.heldOutExamples, 2, 'one example of each label held out');
  // Before: arg-max gave every tie to "ann", so the held-out "ann" example was right: 50%.
  assert.deepEqual(result.curve, [0]);
  assert.equal(result.heldOutAccuracy, 0);
});
