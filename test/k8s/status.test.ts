import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubernetesError } from '../../src/core/errors';
import { launchRun } from '../../src/k8s/launch';
import { runStatus } from '../../src/k8s/status';
import { pod } from './pods';
import { runCli } from '../support/harness';
import { exampleConfig, startHarness, type Harness } from './stub/harness';
import { STOPPED_EXAMPLE_RUN, withStoppedExampleRun } from './stopped-run';

/** A coordinator's HTTP endpoint serving `/status` (the real one is src/coordinator's; this plays it). */
async function coordinatorHttp(body: unknown, raw?: string): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (req.url !== '/status') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(raw ?? JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, close: () => new Promise((r) => server.close(() => r())) };
}

async function launchWithPods(h: Harness, coordinatorState: Parameters<typeof pod>[3] | undefined): Promise<void> {
  await launchRun(h.cluster, exampleConfig());
  if (coordinatorState) h.stub.put(pod('sotu-maml', 'coordinator', 'sotu-maml-coordinator-7d9f-abcde', coordinatorState));
  for (const [i, state] of (['ready', 'ready', 'running', 'unschedulable'] as const).entries()) h.stub.put(pod('sotu-maml', 'worker', `sotu-maml-worker-5c8b-${i}`, state));
  h.stub.put(pod('other-run', 'worker', 'other-run-worker-1', 'pending'));
  const worker = h.stub.get('apps/v1', 'Deployment', 'metatrain', 'sotu-maml-worker')!;
  h.stub.put({ ...worker, status: { replicas: 4, readyReplicas: 2 } });
}

test('status merges the coordinator /status (through the service proxy) with worker replicas and pod states', async () => {
  // The body src/coordinator serves (Coordinator.status()); metaVal* are NaN → null before the first validation.
  const coordinator = await coordinatorHttp({ run: 'sotu-maml', phase: 'running', step: 120, maxSteps: 2000, metaLoss: 0.8123, metaValLoss: null, metaValMetric: null, workers: 3, lastCheckpoint: 'step-000100', tasksPerSecond: 41.5, message: '' });
  const h = await startHarness({ serviceProxy: (ns, svc, port) => (ns === 'metatrain' && svc === 'sotu-maml-coordinator' && port === 'metrics' ? coordinator.url : undefined) });
  try {
    await launchWithPods(h, 'ready');
    const from = h.stub.requests.length;
    const report = await runStatus(h.cluster, 'sotu-maml');
    assert.deepEqual(report, {
      run: 'sotu-maml',
      namespace: 'metatrain',
      source: 'coordinator',
      phase: 'running',
      step: 120,
      maxSteps: 2000,
      metaLoss: 0.8123,
      lastCheckpoint: 'step-000100',
      workers: { desired: 4, ready: 2, pending: 1, running: 3 },
      waitingReason: '1 pod unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
    });
    assert.deepEqual(h.stub.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.query['labelSelector'] ?? ''}`.trim()), [
      'GET /apis/apps/v1/namespaces/metatrain/deployments/sotu-maml-worker',
      'GET /api/v1/namespaces/metatrain/pods metatrain.dev/run=sotu-maml',
      'GET /api/v1/namespaces/metatrain/services/sotu-maml-coordinator%3Ametrics/proxy/status',
    ]);
    assert.deepEqual(coordinator.paths, ['/status']);
  } finally {
    await h.stop();
    await coordinator.close();
  }
});

test('with the coordinator unreachable, status reports its pod state and why /status failed', async () => {
  for (const [state, phase] of [['pending', 'pending'], ['running', 'starting'], ['ready', 'unreachable'], [undefined, 'absent']] as const) {
    const h = await startHarness();
    try {
      await launchWithPods(h, state);
      const report = await runStatus(h.cluster, 'sotu-maml');
      assert.equal(report.source, 'pod');
      assert.equal(report.phase, phase, `coordinator pod ${state}`);
      assert.equal(report.unreachable, 'coordinator unreachable: HTTP 503: no endpoints available for service "sotu-maml-coordinator"');
      assert.deepEqual(report.workers, { desired: 4, ready: 2, pending: 1, running: 3 });
      assert.equal(report.step, undefined);
    } finally {
      await h.stop();
    }
  }
});

test('status of an unknown run is a 404 that says no run has that name and to check the run name and --namespace', async () => {
  // Before: "not found: Deployment "ghost-worker" in namespace "metatrain" …"
  const h = await startHarness();
  try {
    await assert.rejects(runStatus(h.cluster, 'ghost'), (e: unknown) =>
      e instanceof KubernetesError && e.statusCode === 404 && e.reason === 'NotFound' && /^no run named ghost in namespace metatrain\. Check the run name and --namespace; list the runs there with: kubectl get deployments -n metatrain/.test(e.message));
  } finally {
    await h.stop();
  }
});

test('status of a stopped run whose data volume is kept says it is not running and names the volume, exit 1', async () => {
  // Before: "not found: Deployment "sotu-maml-worker" in namespace "metatrain" … Check the run name", exit 1.
  await withStoppedExampleRun(async (h) => {
    await assert.rejects(runStatus(h.cluster, 'sotu-maml'), (e: unknown) => e instanceof KubernetesError && e.statusCode === 404 && e.reason === 'NotRunning' && e.message === STOPPED_EXAMPLE_RUN);
    const r = await runCli(['status', 'sotu-maml', '--kubeconfig', h.kubeconfig], {}, 20_000);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr, `metatrain: ${STOPPED_EXAMPLE_RUN}\n`);
  });
});

test('a coordinator answering /status with an HTTP error page is said in a short excerpt, not the whole page', async () => {
  // Before: "coordinator unreachable: HTTP 500: <html><body><h1>Internal error</h1>xxxx…" (the whole page).
  const page = `<html><body><h1>Internal error</h1><p>${'x'.repeat(300)}</p></body></html>`;
  const server = createServer((_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end(page));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const h = await startHarness({ serviceProxy: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  try {
    await launchWithPods(h, 'ready');
    const report = await runStatus(h.cluster, 'sotu-maml');
    assert.match(report.unreachable ?? '', /^coordinator unreachable: HTTP 500: "Internal error x+…"$/);
    assert.ok(report.unreachable!.length < 200, report.unreachable);
  } finally {
    await h.stop();
    await new Promise((r) => server.close(() => r(undefined)));
  }
});

test('a coordinator answering /status with something that is not a metatrain status is said so in one line, in the table and in --json', async () => {
  // Before: the phase cell showed a multi-line zod dump (JSON without phase), or "coordinator unreachable: Unexpected
  // token 'o', "ok" is not valid JSON" though it answered.
  const cases = [
    [{ step: 3 }, undefined, 'missing "phase"'],
    [undefined, 'ok', 'not JSON: "ok"'],
    // Before: 'not JSON: starts with "<html>hello</html>"', the whole page quoted as its start.
    [undefined, '<html>hello</html>', 'not JSON: "hello"'],
    [{ run: 'sotu-maml', phase: 'running', step: 'three' }, undefined, '"step": Invalid input: expected number, received string'],
    // Before: taken for a status here, though watch refused it (one schema now: src/core/coordinator-status-answer.ts).
    [{ phase: 'running' }, undefined, 'missing "run"'],
  ] as const;
  for (const [body, raw, problem] of cases) {
    const coordinator = await coordinatorHttp(body, raw);
    const h = await startHarness({ serviceProxy: () => coordinator.url });
    try {
      await launchWithPods(h, 'ready');
      const said = `coordinator answered /status with something that is not a metatrain status (${problem})`;
      const report = await runStatus(h.cluster, 'sotu-maml');
      assert.equal(report.source, 'pod');
      assert.equal(report.phase, 'unreachable');
      assert.equal(report.unreachable, said);
      const table = await runCli(['status', 'sotu-maml', '--kubeconfig', h.kubeconfig], {}, 20_000);
      assert.equal(table.code, 0, table.stderr);
      assert.ok(table.stdout.includes(`unreachable (from pod state; ${said})`), table.stdout);
      const json = await runCli(['status', 'sotu-maml', '--json', '--kubeconfig', h.kubeconfig], {}, 20_000);
      assert.equal((JSON.parse(json.stdout) as { unreachable: string }).unreachable, said);
    } finally {
      await h.stop();
      await coordinator.close();
    }
  }
});
