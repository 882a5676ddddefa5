import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MALLOC_TUNABLES, withMallocTunables } from '../../src/core/malloc-tunables';

test('withMallocTunables adds GLIBC_TUNABLES to a child environment and keeps the rest', () => {
  const env = withMallocTunables({ PATH: '/bin', METATRAIN_TOKEN: 't' });
  assert.deepEqual(env, { PATH: '/bin', METATRAIN_TOKEN: 't', GLIBC_TUNABLES: MALLOC_TUNABLES });
});

test('withMallocTunables leaves a GLIBC_TUNABLES the user set, an empty one included', () => {
  assert.equal(withMallocTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })['GLIBC_TUNABLES'], 'glibc.malloc.arena_max=2');
  assert.equal(withMallocTunables({ GLIBC_TUNABLES: '' })['GLIBC_TUNABLES'], '');
});
