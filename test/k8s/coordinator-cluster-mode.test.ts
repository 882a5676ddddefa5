import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { watchWorkerPods } from '../../src/k8s/coordinator-cluster-mode';
import { pod } from './pods';
import { startHarness } from './stub/harness';
import { sinusoidConfig, tempDir } from '../support/harness';

test('in cluster mode a coordinator without workers reports the pending worker pods and why', async () => {
  const h = await startHarness();
  h.stub.put(pod('sotu-maml', 'worker', 'w-0', 'unschedulable'));
  h.stub.put(pod('sotu-maml', 'worker', 'w-1', 'pending'));
  const dir = tempDir();
  const log = createLogger('coordinator', join(dir, 'c.log'));
  const env = { KUBECONFIG: h.kubeconfig, METATRAIN_NAMESPACE: 'metatrain', METATRAIN_RUN: 'sotu-maml' };
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = h.kubeconfig;
  const seen: string[] = [];
  const pods = await watchWorkerPods(2, log, (m) => seen.push(m), env);
  try {
    assert.ok(pods);
    const coordinator = new Coordinator({ config: parseRunConfig(sinusoidConfig(dir)), token: 't', resume: false, log, waitingForWorkers: pods.message });
    assert.equal(coordinator.status().message, 'waiting for workers: 0 of 2 running, 2 pending (1 pod unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)');
    h.stub.put(pod('sotu-maml', 'worker', 'w-1', 'running'));
    const end = Date.now() + 5000;
    while (!seen.some((m) => m.startsWith('waiting for workers: 1 of 2 running, 1 pending'))) {
      assert.ok(Date.now() < end, `no update: ${seen.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    pods?.stop();
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    await h.stop();
  }
  assert.equal(await watchWorkerPods(2, log, () => undefined, {}), undefined, 'outside a cluster there is nothing to watch');
});
