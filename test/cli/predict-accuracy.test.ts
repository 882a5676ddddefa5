/** What `metatrain predict --data` says of the accuracy (src/cli/predict-accuracy.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyLine, partlyLabelledNote } from '../../src/cli/predict-accuracy';

test('accuracyLine counts labelled lines in the singular for one line, and says ties and unknown labels', () => {
  // Before: 'accuracy 0.0% (0 of 1 labelled lines)'.
  assert.equal(accuracyLine({ examples: 1, correct: 0, accuracy: 0, ties: 0, unknownLabels: 0 }), 'accuracy 0.0% (0 of 1 labelled line)');
  assert.equal(accuracyLine({ examples: 15, correct: 12, accuracy: 0.8, ties: 1, unknownLabels: 2 }), 'accuracy 80.0% (12 of 15 labelled lines; 2 have labels the model does not know; 1 tie of the highest probability, counted as wrong)');
});

test('partlyLabelledNote says that no accuracy is printed when only some lines have a label, and how many have one', () => {
  // Before: no accuracy and no word of why.
  assert.equal(partlyLabelledNote(['a', undefined, undefined]), 'no accuracy: it is printed only when every line has a label, and 1 of 3 lines has one (for an accuracy, give every line a "label", or predict the labelled lines alone)');
  assert.match(partlyLabelledNote(['a', 'b', undefined])!, /, and 2 of 3 lines have one \(/);
  assert.equal(partlyLabelledNote(['a', 'b']), undefined, 'every line labelled: the accuracy is printed instead');
  assert.equal(partlyLabelledNote([undefined, undefined]), undefined, 'no line labelled: nothing to say');
});
