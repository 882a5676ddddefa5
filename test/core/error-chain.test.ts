import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findInCauseChain } from '../../src/core/error-chain';
import { connectionFailure } from '../../src/k8s/connection-failure';
import { networkCode } from '../../src/k8s/api-error';

test('the cause chain is walked once, from the error to its deepest cause, even when it loops back', () => {
  const root = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const middle = new Error('request failed', { cause: root });
  const top = new Error('ApiException', { cause: middle });
  const seen: string[] = [];
  assert.equal(findInCauseChain(top, (e) => void seen.push((e as Error).message)), undefined);
  assert.deepEqual(seen, ['ApiException', 'request failed', 'connect ECONNREFUSED']);
  assert.equal(networkCode(top), 'ECONNREFUSED');
  assert.equal(findInCauseChain('not an object', () => 1), undefined);
  // Before: each of the three walks (api-answer, connection-failure, api-error) looped forever on such a chain.
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(connectionFailure(a), undefined);
  assert.equal(networkCode(b), undefined);
});
