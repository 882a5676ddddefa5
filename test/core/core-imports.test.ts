/** src/core (the run config with every section schema and the registries it reads included) loads no tfjs, gRPC, NATS or Kubernetes client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

test('every src/core module, the composed run config included, loads without tfjs, gRPC, NATS or a Kubernetes client', () => {
  // Sources under tsx, compiled .js under dist/ (npm test): the same extension as this file.
  const ext = extname(__filename);
  const dir = join(__dirname, '../../src/core');
  const modules = readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => join(dir, f));
  assert.ok(modules.some((m) => m.endsWith(`config${ext}`)), `src/core/config${ext} not found`);
  const code = `${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}
    const heavy = /node_modules[\\\\/](@tensorflow|@grpc|@nats-io|@kubernetes|kubernetes-models|onnxruntime-node)[\\\\/]/;
    process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => heavy.test(k))));`;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const child = spawnSync(process.execPath, [...execArgv, '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), []);
});
