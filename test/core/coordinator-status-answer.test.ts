import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCoordinatorStatusAnswer } from '../../src/core/coordinator-status-answer';

const status = { run: 'r', phase: 'training', step: 2, maxSteps: 10, metaLoss: null, workers: 1 };

test('a /status answer lists its recent steps (a NaN loss is null in JSON); a list of another shape is dropped, not the status', () => {
  const steps = [
    { step: 1, metaLoss: null, tasksPerSecond: 3, workers: 1 },
    { step: 2, metaLoss: 0.5, tasksPerSecond: null, workers: 1 },
  ];
  assert.deepEqual(readCoordinatorStatusAnswer({ ...status, recentSteps: steps }), { ...status, recentSteps: steps });
  const odd = readCoordinatorStatusAnswer({ ...status, recentSteps: [{ step: 1 }] });
  assert.ok(!('problem' in odd), 'still a run status');
  assert.equal(odd.recentSteps, undefined);
  assert.deepEqual(readCoordinatorStatusAnswer({ phase: 'training' }), { problem: 'missing "run"' });
});
