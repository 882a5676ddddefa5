import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary } from '../../src/cli/run-summary-table';
import type { RunSummary } from '../../src/summary';

const history = { steps: [], metaLoss: [], metaMetric: [], tasksPerSecond: [], workers: [], valSteps: [], valLoss: [], valMetric: [] };
const summary = (over: Partial<RunSummary>): RunSummary => ({
  run: 'r',
  reason: 'stopped',
  steps: 0,
  bestStep: 0,
  checkpoint: '',
  metricName: 'mse',
  results: [],
  classical: [],
  history,
  seconds: { training: 1, baselines: 0, evaluation: 0, total: 2 },
  ...over,
});

test('a run stopped before its first meta-step says so and names no best step or checkpoint', () => {
  const text = formatSummary(summary({}), {});
  assert.match(text, /stopped before the first meta-step, 1 s/);
  assert.doesNotMatch(text, /best at step/);
  assert.match(text, /none \(no meta-step was taken\)/);
});

test('a run with meta-steps gives its step count, best step and checkpoint', () => {
  const text = formatSummary(summary({ reason: 'max-steps', steps: 40, bestStep: 36, checkpoint: 'runs/r/checkpoints/step-36' }), {});
  assert.match(text, /max-steps after 40 steps \(best at step 36\), 1 s/);
  assert.match(text, /runs\/r\/checkpoints\/step-36/);
});
