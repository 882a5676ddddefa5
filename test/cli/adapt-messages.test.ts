/** What `metatrain adapt` says (src/cli/adapt-messages.ts): its start line and its chance-level warning. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptStartLine, chanceWarning } from '../../src/cli/adapt-messages';

test('adaptStartLine says that --max-steps 0 fine-tunes nothing and only scores the meta-initialization on held-out examples', () => {
  // Before: 'fine-tuning on 18 examples for up to 0 steps, the number chosen on held-out ones'.
  assert.equal(adaptStartLine(18, 0), 'no fine-tuning (--max-steps 0): keeping the meta-initialization as it is and measuring its accuracy on held-out ones of the 18 examples (Ctrl-C stops it, writing nothing)');
  assert.equal(adaptStartLine(18, 1), 'fine-tuning on 18 examples for up to 1 step, the number chosen on held-out ones (Ctrl-C stops it, writing nothing)');
  assert.equal(adaptStartLine(1, 50), 'fine-tuning on 1 example for up to 50 steps, the number chosen on held-out ones (Ctrl-C stops it, writing nothing)');
});

test('chanceWarning says "at or below chance level", and why for a reset head that was not fine-tuned', () => {
  const outcome = { heldOutAccuracy: 0, heldOutExamples: 12, heldOutTies: 12, labels: 3, steps: 0, maxSteps: 0, headReset: true, headInit: 'learned' as const };
  // Before: 'held-out accuracy 0.0% is at chance level for 3 labels: … more examples per label may help'.
  assert.equal(
    chanceWarning(outcome),
    "warning: held-out accuracy 0.0% is at or below chance level for 3 labels: the checkpoint's head, trained for another number of labels, was reset to zeros and not fine-tuned (--max-steps 0), so it gives every label the same probability and cannot tell them apart (a tie counts as wrong); give --max-steps above 0 to fine-tune it",
  );
  assert.match(chanceWarning({ ...outcome, maxSteps: 50 })!, /reset to zeros and not fine-tuned \(0 steps chosen\), so it gives every label the same probability .*; more examples per label may help$/);
  const guessing = 'warning: held-out accuracy 0.0% is at or below chance level for 3 labels: the adapted model is no better than guessing; more examples per label may help';
  assert.equal(chanceWarning({ ...outcome, headReset: false, heldOutTies: 0 }), guessing, 'the head was the checkpoint\'s: nothing about a reset');
  assert.equal(chanceWarning({ ...outcome, steps: 4, maxSteps: 50, heldOutTies: 0 }), guessing, 'the reset head was fine-tuned');
  assert.match(chanceWarning({ ...outcome, heldOutAccuracy: Math.fround(1 / 3), headReset: false })!, /^warning: held-out accuracy 33\.3% is at or below chance level for 3 labels/);
  assert.equal(chanceWarning({ ...outcome, heldOutAccuracy: Math.fround(2 / 3) }), undefined, 'above chance: no warning');
});

test('chanceWarning says that a head was reset to zeros only where it was, and the ties only where there were ties; few held-out examples are counted', () => {
  // Before: a prototype head (headInit prototypes, not zeros) on 2 labels × 2 texts, 1 of 2 held-out examples right
  // and no tie, was said to be "reset to zeros … gives every label the same probability", while predict told the labels apart.
  const prototypes = { heldOutAccuracy: 0.5, heldOutExamples: 2, heldOutTies: 0, labels: 2, steps: 0, maxSteps: 50, headReset: true, headInit: 'prototypes' as const };
  assert.equal(
    chanceWarning(prototypes),
    'warning: held-out accuracy 50.0% is at or below chance level for 2 labels: the adapted model is no better than guessing; the estimate rests on 2 held-out examples only; more examples per label may help',
  );
  assert.equal(
    chanceWarning({ ...prototypes, heldOutAccuracy: 0, heldOutTies: 1 }),
    'warning: held-out accuracy 0.0% is at or below chance level for 2 labels: the adapted model is no better than guessing (1 of the 2 held-out examples tied, which counts as wrong); the estimate rests on 2 held-out examples only; more examples per label may help',
  );
  assert.equal(
    chanceWarning({ ...prototypes, heldOutAccuracy: 0, heldOutTies: 2 }),
    'warning: held-out accuracy 0.0% is at or below chance level for 2 labels: the adapted model gave the same highest probability to two or more labels for every held-out example (a tie counts as wrong); the estimate rests on 2 held-out examples only; more examples per label, or texts that differ between labels, may help',
    'prototypes that tie: ties said, no zero head',
  );
  const zeros = { ...prototypes, heldOutAccuracy: 0, heldOutTies: 2, headInit: 'learned' as const };
  assert.match(chanceWarning(zeros)!, /: the checkpoint's head, trained for another number of labels, was reset to zeros and not fine-tuned \(0 steps chosen\), so it gives every label the same probability and cannot tell them apart \(a tie counts as wrong\); the estimate rests on 2 held-out examples only; more examples per label may help$/);
  assert.doesNotMatch(chanceWarning({ ...zeros, heldOutTies: 1 })!, /reset to zeros/, 'not all ties: no claim that every label got the same probability');
  assert.doesNotMatch(chanceWarning({ ...zeros, heldOutExamples: 10, heldOutTies: 10 })!, /rests on/, '10 held-out examples are not said to be few');
});
