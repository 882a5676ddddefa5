import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenHost, serveHttpEndpoints } from '../../src/core/http-endpoints';
import { counter, createMetricsRegistry } from '../../src/core/metrics';

test('the endpoints serve /metrics, /healthz, /readyz and /status on a free port', async () => {
  const registry = createMetricsRegistry({ run: 'r' });
  counter(registry, { name: 'metatrain_served_total', help: 'served' }).inc(3);
  let ready = false;
  const endpoints = await serveHttpEndpoints({ registry, port: 0, host: '127.0.0.1', ready: () => ready, status: () => ({ phase: 'training', metaLoss: NaN }) });
  try {
    const base = `http://${endpoints.address}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    assert.match(await metrics.text(), /^metatrain_served_total\{run="r"\} 3$/m);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const status = await fetch(`${base}/status`);
    assert.equal(status.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await status.json(), { phase: 'training', metaLoss: null });
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await endpoints.close();
  }
});

test('a process without run status answers /status with 404, and a taken port is an error', async () => {
  const registry = createMetricsRegistry();
  const first = await serveHttpEndpoints({ registry, port: 0, host: '127.0.0.1' });
  try {
    assert.equal((await fetch(`http://${first.address}/status`)).status, 404);
    assert.equal((await fetch(`http://${first.address}/readyz`)).status, 200);
    await assert.rejects(serveHttpEndpoints({ registry, port: first.port, host: '127.0.0.1' }), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});

test('the metrics host is taken from a gRPC listen address', () => {
  assert.equal(listenHost('0.0.0.0:7070'), '0.0.0.0');
  assert.equal(listenHost('127.0.0.1:0'), '127.0.0.1');
  assert.equal(listenHost('[::]:7070'), '::');
  assert.equal(listenHost(':7070'), '0.0.0.0');
});
