import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRunLogName, runLogName } from '../../src/local/run-logs';

test('the names a local run logs to are the run log names, and nothing else is', () => {
  for (const process of ['coordinator', 'compressor', 'worker-0', 'worker-63'] as const) assert.ok(isRunLogName(runLogName(process)), process);
  for (const name of ['notes.txt', 'worker-.log', 'worker-x.log', 'coordinator.log.1', 'coordinatorXlog', 'Coordinator.log', 'compressor.txt']) assert.ok(!isRunLogName(name), name);
});
