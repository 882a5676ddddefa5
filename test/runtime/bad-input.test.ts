import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseRunConfig } from '../../src/core/config';
import { RunFailedError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { Coordinator } from '../../src/coordinator/coordinator';
import { CheckpointStore } from '../../src/checkpoint';
import { MAX_REPORT_BYTES } from '../../src/compress/compression-report';
import { MAX_ADAPTED_REPORT_BYTES } from '../../src/meta/adapted-model';
import { tokenMetadata } from '../../src/wire/credentials';
import { metatrainProto, type CoordinatorClient } from '../../src/wire/proto';
import { rawWorker } from '../support/raw-worker';
import { runCli, sinusoidConfig, startCli, tempDir, waitExit, writeConfig } from '../support/harness';
import { jsonl } from '../cli/adapt-fixtures';
import { textRun, writeTeacherCheckpoint } from '../compress/fixtures';
import type { RunSummary } from '../../src/summary';

const TOKEN = 'right-token';

function coordinatorFor(dir: string, overrides = {}, resume = false): Coordinator {
  const config = parseRunConfig(sinusoidConfig(dir, overrides));
  return new Coordinator({ config, token: TOKEN, resume, log: createLogger('coordinator', join(dir, 'coordinator.log')) });
}

function client(port: number): CoordinatorClient {
  const Client = metatrainProto().Coordinator;
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 16 << 20 }) as unknown as CoordinatorClient;
}

test('a wrong or missing run token is refused with UNAUTHENTICATED on every call', async () => {
  const dir = tempDir();
  const coordinator = coordinatorFor(dir);
  const port = await coordinator.start('127.0.0.1:0');
  try {
    const joined = rawWorker(`127.0.0.1:${port}`, 'wrong-token', 'intruder', () => assert.fail('intruder got an assignment'));
    const err = await joined.closed;
    assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
    assert.match(err!.details, /wrong run token/);
    const c = client(port);
    const status = await new Promise<grpc.ServiceError | null>((resolve) => c.GetStatus({}, new grpc.Metadata(), (e) => resolve(e)));
    assert.equal(status?.code, grpc.status.UNAUTHENTICATED);
    assert.match(status!.details, /no run token/);
    const params = await new Promise<grpc.ServiceError>((resolve) => c.GetParameters({ version: 'meta/0' }, tokenMetadata('nope')).on('error', resolve));
    assert.equal(params.code, grpc.status.UNAUTHENTICATED);
    // The right token works.
    const ok = await new Promise<{ run: string }>((resolve, reject) => c.GetStatus({}, tokenMetadata(TOKEN), (e, s) => (e ? reject(e) : resolve(s!))));
    assert.equal(ok.run, 'test-run');
  } finally {
    await coordinator.close();
  }
});

test('wrong-shaped and NaN results are rejected and retried on a good worker', async () => {
  const dir = tempDir();
  const coordinator = coordinatorFor(dir, { training: { maxSteps: 4, evalEverySteps: 4, checkpointEverySteps: 4 } });
  const port = await coordinator.start('127.0.0.1:0');
  const reasons: string[] = [];
  coordinator.dispatcher.on('redispatched', (_item, reason: string) => reasons.push(reason));
  const good = startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', 'good'], { METATRAIN_TOKEN: TOKEN });
  while (coordinator.dispatcher.workerCount < 1) await new Promise((r) => setTimeout(r, 20));
  let answered = 0;
  rawWorker(`127.0.0.1:${port}`, TOKEN, 'liar', (a, w) => {
    answered++;
    const bad = answered % 2 === 0 ? { name: 'head.b', shape: [7], values: new Float32Array(7) } : { name: 'head.b', shape: [1], values: new Float32Array([NaN]) };
    w.send({ result: { assignmentId: a.assignmentId, gradient: [{ name: bad.name, shape: bad.shape, dtype: 'float32', offset: 0, totalElements: bad.values.length, data: Buffer.from(bad.values.buffer) }], final: false } });
    w.send({ result: { assignmentId: a.assignmentId, final: true, metrics: { queryLoss: 1, queryMetric: 1, evalLoss: [NaN], evalMetric: [NaN] } } });
  });
  while (coordinator.dispatcher.workerCount < 2) await new Promise((r) => setTimeout(r, 20));
  try {
    const summary = await coordinator.run();
    assert.equal(summary.steps, 4);
  } finally {
    good.kill('SIGTERM');
    await waitExit(good);
    await coordinator.close();
  }
  assert.ok(answered >= 2, `the lying worker answered ${answered} times`);
  assert.ok(reasons.some((r) => /liar#\d+: rejected result: .*not finite/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /liar#\d+: rejected result: .*(shape|values|missing)/.test(r)), reasons.join('\n'));
});

test('a task that keeps failing fails the run after max attempts, naming task and worker, checkpoints intact', async () => {
  const dir = tempDir();
  // A good run first, so that there are checkpoints to keep intact.
  const first = await runCli(['run', writeConfig(dir, sinusoidConfig(dir))]);
  assert.equal(first.code, 0, first.stderr);
  const store = new CheckpointStore(join(dir, 'run', 'checkpoints'), { keep: 3 });
  const before = await store.list();
  // Resumed by a coordinator whose only worker answers NaN: the evaluation tasks fail for good.
  const coordinator = coordinatorFor(dir, { runtime: { maxAttempts: 2 } }, true);
  const port = await coordinator.start('127.0.0.1:0');
  rawWorker(`127.0.0.1:${port}`, TOKEN, 'broken', (a, w) => {
    w.send({ result: { assignmentId: a.assignmentId, final: true, metrics: { queryLoss: NaN, queryMetric: NaN, evalLoss: [NaN, NaN, NaN], evalMetric: [NaN, NaN, NaN] } } });
  });
  try {
    await assert.rejects(coordinator.run(), (e: unknown) => {
      assert.ok(e instanceof RunFailedError);
      assert.match(e.message, /task test\/meta-learned\/\d+ failed 2 times \(max attempts 2\)/);
      assert.match(e.message, /worker broken#\d+/);
      return true;
    });
    assert.equal(coordinator.currentPhase, 'failed');
  } finally {
    await coordinator.close();
  }
  const after = await store.list();
  assert.deepEqual(after, before);
  for (const c of after) await store.load(c.path);
  // The summary of the run's earlier, successful end is kept, not replaced by the failure.
  assert.equal((JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary).reason, 'max-steps');
});

test('metatrain run refuses up front a model its wasm workers cannot hold, naming its size and the other backends', async () => {
  // Before: model.hidden [16384, 16384] (268 M parameters) started, then every task failed with "memory access out of
  // bounds" in the workers.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { model: { kind: 'sinusoid-mlp', hidden: [16384, 16384] }, runtime: { workers: 1, outDir: join(dir, 'run') } }));
  const r = await runCli(['run', config]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^metatrain: invalid config at model: the model has 268,500,993 parameters \(1024\.3 MiB in float32\), more than wasm workers can adapt \(1024 MiB.*use --backend cpu or tensorflow\n$/);
  assert.equal(existsSync(join(dir, 'run')), false, 'nothing was written');
});

test('a run that fails writes summary.json (reason failed, the error, the newest checkpoint\'s history) and its report', async () => {
  // Before: a failed run left checkpoints and logs only, no summary or report to inspect.
  const dir = tempDir();
  const diverging = sinusoidConfig(dir, { algorithm: { innerLr: 1e30 }, training: { maxSteps: 4 }, runtime: { workers: 1, outDir: join(dir, 'run') } });
  const r = await runCli(['run', writeConfig(dir, diverging)]);
  assert.equal(r.code, 1, r.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.reason, 'failed');
  assert.match(summary.error!, /failed \d+ times \(max attempts \d+\).*training diverged/);
  assert.equal(summary.divergence, 'training diverged (lower algorithm.outerLr or algorithm.innerLr)');
  assert.deepEqual(summary.results, []);
  assert.match(readFileSync(join(dir, 'run', 'report.html'), 'utf8'), /training diverged/);
});

test('a message over the size limit is rejected without crashing the coordinator', async () => {
  const dir = tempDir();
  const coordinator = coordinatorFor(dir);
  const port = await coordinator.start('127.0.0.1:0');
  try {
    const huge = rawWorker(`127.0.0.1:${port}`, TOKEN, 'huge', () => undefined);
    await huge.workerId;
    const big = Buffer.alloc(3 << 20);
    huge.send({ result: { assignmentId: 'x#1', gradient: [{ name: 'head.w', shape: [big.length / 4], dtype: 'float32', offset: 0, totalElements: big.length / 4, data: big }], final: true } });
    const err = await huge.closed;
    assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
    // Still serving.
    const c = client(port);
    const status = await new Promise<{ phase: string }>((resolve, reject) => c.GetStatus({}, tokenMetadata(TOKEN), (e, s) => (e ? reject(e) : resolve(s!))));
    assert.equal(status.phase, 'pending');
    assert.equal(coordinator.dispatcher.workerCount, 0);
  } finally {
    await coordinator.close();
  }
});

test('a config file over 1 MiB is refused by run and coordinator before anything starts, naming the file and its size', async () => {
  const dir = tempDir();
  const file = writeConfig(dir, sinusoidConfig(dir, { name: 'x'.repeat(3_000_000) }), 'huge.yaml');
  for (const args of [['run', file], ['coordinator', '--config', file]]) {
    const result = await runCli(args, { METATRAIN_TOKEN: TOKEN });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /huge\.yaml: 3000\d{3} bytes, more than the 1048576 bytes \(1 MiB\) allowed; a run config is a few KB/);
    assert.ok(result.stderr.length < 1000, `stderr of ${result.stderr.length} characters`);
  }
  assert.ok(!existsSync(join(dir, 'run')), 'no run directory is created');
});

test('a long bad value in a config file is echoed cut to 80 characters', async () => {
  const dir = tempDir();
  const result = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { name: 'Y'.repeat(500_000) }))]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /invalid config at name: .*\(got "Y{79}…" \(500000 characters\)\)/);
  assert.ok(result.stderr.length < 1000, `stderr of ${result.stderr.length} characters`);
});

test('metatrain run with more than 64 workers is refused before any process starts, naming --workers or runtime.workers', async () => {
  const dir = tempDir();
  // --resume on an empty directory: a count that slipped past the check would still stop before starting processes.
  const flag = await runCli(['run', writeConfig(dir, sinusoidConfig(dir)), '--workers', '65', '--resume']);
  assert.equal(flag.code, 1, flag.stderr);
  assert.match(flag.stderr, /--workers 65: metatrain run starts at most 64 local worker processes/);
  const field = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { runtime: { workers: 10_000, outDir: join(dir, 'run') } }), 'many.yaml'), '--resume']);
  assert.equal(field.code, 1, field.stderr);
  assert.match(field.stderr, /runtime\.workers 10000: metatrain run starts at most 64/);
  assert.ok(!existsSync(join(dir, 'run')), 'nothing is created');
});

test('run, pretrain and coordinator refuse a missing input path before any process starts, naming the field and the path', async () => {
  const dir = tempDir();
  const sotu = { ...sinusoidConfig(dir), task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0, dModel: 8 }, algorithm: { name: 'fomaml' }, pretraining: { steps: 1, texts: ['missing.txt'] } };
  const file = writeConfig(dir, sotu as never, 'sotu.yaml');
  for (const args of [['run', file], ['pretrain', file], ['coordinator', '--config', file]]) {
    const result = await runCli(args, { METATRAIN_TOKEN: TOKEN }, 60_000);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`invalid config at pretraining\\.texts\\.0: "${join(dir, 'missing.txt')}" does not exist`), args[0]);
  }
  assert.ok(!existsSync(join(dir, 'run')), 'no run directory is created');
});

test('run and coordinator refuse a model.init directory that is not a checkpoint before any process starts', async () => {
  // Before: the run directory was created and the workers started, then meta-training failed on the checkpoint.
  const dir = tempDir();
  const empty = join(dir, 'not-a-checkpoint');
  mkdirSync(empty);
  const config = { ...sinusoidConfig(dir), task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0, dModel: 8, init: empty }, algorithm: { name: 'fomaml' } };
  const file = writeConfig(dir, config as never, 'init.yaml');
  for (const args of [['run', file], ['coordinator', '--config', file]]) {
    const result = await runCli(args, { METATRAIN_TOKEN: TOKEN }, 60_000);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /model\.init: .*not-a-checkpoint holds no checkpoint/, args[0]);
  }
  assert.ok(!existsSync(join(dir, 'run')), 'no run directory is created');
});

test('a model.init that is a run, compressed or adapted model directory is refused naming the checkpoint to give', async () => {
  // Before: "holds no checkpoint (neither manifest.json nor best.json)", and no word of which checkpoint to give.
  const dir = tempDir();
  const teacher = join(dir, 'teacher');
  const runDir = join(teacher, 'run');
  const ckpt = await writeTeacherCheckpoint(textRun(teacher));
  const compressed = await runCli(['compress', '--checkpoint', ckpt]);
  assert.equal(compressed.code, 0, compressed.stderr);
  const adapted = join(dir, 'adapted');
  const adapting = await runCli(['adapt', '--checkpoint', join(runDir, 'compressed'), '--data', jsonl(dir, 'u.jsonl', ['a', 'b', 'c', 'd', 'e'], 5), '--out', adapted, '--max-steps', '0']);
  assert.equal(adapting.code, 0, adapting.stderr);
  const cases: Array<[string, string]> = [
    [runDir, `it is a run directory, not a checkpoint: give one of its checkpoints, e.g. ${ckpt} (the best, per best.json)`],
    [join(runDir, 'compressed'), `it is a compressed model (int8, for metatrain adapt and predict), not a checkpoint: give the checkpoint it was compressed from, ${ckpt}`],
    [adapted, `it is a model adapted by metatrain adapt (for metatrain predict), not a checkpoint: give the checkpoint it was adapted from, ${ckpt}`],
  ];
  for (const [init, instead] of cases) {
    const config = { ...sinusoidConfig(dir), task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0, dModel: 8, init }, algorithm: { name: 'fomaml' } };
    const result = await runCli(['run', writeConfig(dir, config as never, 'init.yaml')], {}, 60_000);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(`model.init: ${init} holds no checkpoint (neither manifest.json nor best.json); ${instead}\n`), result.stderr);
  }
});

test('a model.init or compress --checkpoint whose adapted.json or compression.json is past its limit, or a device, is refused naming that file', async () => {
  // Before: the file was read whole whatever its size (a device such as /dev/zero without end), and one that was no
  // JSON then passed for no model at all ("holds no checkpoint").
  const dir = tempDir();
  const instead = 'not a file metatrain wrote; give a checkpoint directory such as runs/NAME/checkpoints/step-N';
  const cases: Array<[string, string, (file: string) => void, string]> = [
    ['adapted', 'adapted.json', (f) => truncateSync(f, MAX_ADAPTED_REPORT_BYTES + 1), `${MAX_ADAPTED_REPORT_BYTES + 1} bytes, more than the 16777216 bytes (16 MiB) allowed`],
    ['compressed', 'compression.json', (f) => truncateSync(f, MAX_REPORT_BYTES + 1), `${MAX_REPORT_BYTES + 1} bytes, more than the 16777216 bytes (16 MiB) allowed`],
    ['device', 'adapted.json', (f) => symlinkSync('/dev/zero', f), 'not a regular file but a character device'],
  ];
  for (const [name, file, make, why] of cases) {
    const model = join(dir, name);
    mkdirSync(model);
    const path = join(model, file);
    if (name !== 'device') writeFileSync(path, ''); // then made sparse: it reports its size without taking the disk
    make(path);
    const compress = await runCli(['compress', '--checkpoint', model, '--out', join(dir, 'out'), '--backend', 'cpu'], {}, 60_000);
    assert.equal(compress.code, 1, compress.stderr);
    assert.equal(compress.stderr, `metatrain: --checkpoint ${model}: ${path}: ${why}: ${instead}\n`, name);
    const config = { ...sinusoidConfig(dir), task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0, dModel: 8, init: model }, algorithm: { name: 'fomaml' } };
    const run = await runCli(['run', writeConfig(dir, config as never, 'init.yaml')], {}, 60_000);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`model.init: ${model} holds no checkpoint (neither manifest.json nor best.json); ${path}: ${why}: ${instead}\n`), `${name}: ${run.stderr}`);
  }
  assert.ok(!existsSync(join(dir, 'run')) && !existsSync(join(dir, 'out')), 'nothing is created');
});

test('metatrain run names the file or field and the fix for two YAML documents, a !!binary value, {} and an empty model.init', async () => {
  const dir = tempDir();
  const head = 'name: demo\ntask:\n  family: sinusoid\nmodel:\n  kind: sinusoid-mlp\n';
  const cases: Array<[string, string, RegExp]> = [
    ['two.yaml', `${head}---\nname: other\n`, /two\.yaml:6:1: invalid YAML: a second YAML document starts here .*remove this `---`, or put each config in its own file/],
    ['binary.yaml', head.replace('name: demo', 'name: !!binary ZGVtbw=='), /invalid config at name: has the YAML tag !!binary \(\S*binary\.yaml:1:16\).*remove the tag and write the value as plain text/],
    ['empty.yaml', '{}\n', /invalid config: \S*empty\.yaml holds no fields \(an empty mapping \{\}, or only x-… fields, which hold anchors for the others\): a run config is a mapping with at least name, task \(family\) and model \(kind\)/],
    ['init.yaml', 'name: demo\ntask:\n  family: sotu\nmodel:\n  kind: transformer\n  init: ""\n', /invalid config at model\.init: must not be empty: give random \(the default\), pretrained .* or a checkpoint directory such as runs\/NAME\/checkpoints\/step-N/],
  ];
  for (const [name, text, message] of cases) {
    writeFileSync(join(dir, name), text);
    const result = await runCli(['run', join(dir, name)]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, message, name);
  }
});

test('a coordinator that cannot listen names the flag, the address and why', async () => {
  const dir = tempDir();
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(busy.address() as AddressInfo).port}`;
  const result = await runCli(['coordinator', '--config', writeConfig(dir, sinusoidConfig(dir)), '--listen', address], { METATRAIN_TOKEN: TOKEN }, 60_000);
  busy.close();
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`--listen: cannot listen on ${address}: the port is in use .*\\(EADDRINUSE\\)`));
});

test('metatrain run whose runtime.metricsPort is taken exits 1 naming the field, as the coordinator does, before any step', async () => {
  const dir = tempDir();
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as AddressInfo).port;
  const result = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { runtime: { workers: 1, outDir: join(dir, 'run'), metricsPort: port } }))], {}, 60_000);
  busy.close();
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`^metatrain: runtime\\.metricsPort: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use \\(.*\\) \\(EADDRINUSE\\)$`, 'm'));
  assert.doesNotMatch(result.stderr, /\[training\]/);
});

test('worker and compressor name what chose a taken metrics port (--metrics-port or METATRAIN_METRICS_PORT), and a bad METATRAIN_METRICS_PORT', async () => {
  // Before: a bare "listen EADDRINUSE …", and "expected a port 0..65535, got \"abc\"" without the variable's name.
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  const port = (busy.address() as AddressInfo).port;
  try {
    const commands = [['worker', '--coordinator', '127.0.0.1:1'], ['compressor', '--nats', 'nats://127.0.0.1:4222']];
    for (const command of commands) {
      const flag = await runCli([...command, '--metrics-port', String(port)], {}, 30_000);
      assert.equal(flag.code, 1, flag.stderr);
      assert.match(flag.stderr, new RegExp(`^metatrain: --metrics-port: cannot listen on \\S*:${port}: the port is in use \\(.*\\) \\(EADDRINUSE\\)$`, 'm'), command[0]);
      const env = await runCli(command, { METATRAIN_METRICS_PORT: String(port) }, 30_000);
      assert.equal(env.code, 1, env.stderr);
      assert.match(env.stderr, new RegExp(`^metatrain: METATRAIN_METRICS_PORT: cannot listen on \\S*:${port}: the port is in use \\(.*\\) \\(EADDRINUSE\\)$`, 'm'), command[0]);
      const bad = await runCli(command, { METATRAIN_METRICS_PORT: 'abc' }, 30_000);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /METATRAIN_METRICS_PORT: expected a port 0\.\.65535, got "abc"/, command[0]);
    }
  } finally {
    busy.close();
  }
});

test('worker and compressor name --metrics-host, not the port, for a metrics host that does not resolve, is not this machine\'s or is malformed', async () => {
  // Before: `--metrics-port: getaddrinfo ENOTFOUND …` / `--metrics-port: listen EADDRNOTAVAIL …`, blaming a port that
  // was fine; the compressor had no --metrics-host at all (docs/observability.md says it has).
  const commands = [['worker', '--coordinator', '127.0.0.1:1'], ['compressor', '--nats', 'nats://127.0.0.1:4222']];
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    // A name that does not resolve (.invalid never does, RFC 6761; EAI_AGAIN where DNS is unreachable).
    ['no-such-host.invalid', {}, /^metatrain: --metrics-host: cannot listen on no-such-host\.invalid:0: the host name (does not resolve \(ENOTFOUND\)|could not be resolved \(DNS unavailable\) \(EAI_AGAIN\))$/m],
    // TEST-NET-1 (RFC 5737): an address of no machine here, also when the port comes from the environment.
    ['192.0.2.1', { METATRAIN_METRICS_PORT: '0' }, /^metatrain: --metrics-host: cannot listen on 192\.0\.2\.1:0: the host is not an address of this machine \(0\.0\.0\.0 listens on all of them\) \(EADDRNOTAVAIL\)$/m],
    ['127.0.0.1:9464', {}, /--metrics-host <host>' argument '127\.0\.0\.1:9464' is invalid\. expected a host name or IP address to listen on \(0\.0\.0\.0 = all addresses\) without a port \(give the port with --metrics-port\)/],
    ['', {}, /--metrics-host <host>' argument '' is invalid\. expected a host name or IP address to listen on \(0\.0\.0\.0 = all addresses\), got an empty string/],
  ];
  for (const command of commands) {
    for (const [host, env, message] of cases) {
      const port = 'METATRAIN_METRICS_PORT' in env ? [] : ['--metrics-port', '0'];
      const r = await runCli([...command, ...port, '--metrics-host', host], env, 30_000);
      assert.equal(r.code, 1, `${command[0]} ${host}: ${r.stderr}`);
      assert.match(r.stderr, message, `${command[0]} ${host}`);
      assert.doesNotMatch(r.stderr, /metrics-port:|METATRAIN_METRICS_PORT:/, `${command[0]} ${host}`);
    }
  }
});

test('a path flag over the limits is refused naming the flag, its value cut to 80 characters', async () => {
  const dir = tempDir();
  const long = join(dir, 'x'.repeat(5000));
  const result = await runCli(['run', writeConfig(dir, sinusoidConfig(dir)), '--out', long], {}, 30_000);
  assert.equal(result.code, 1, result.stderr);
  // A flag error, not a config error; the count is the path's own length.
  assert.ok(result.stderr.startsWith(`metatrain: --out ${long.slice(0, 79)}… (${long.length} characters): the path is ${long.length} bytes long, more than the 4096 a path may have`), result.stderr);
  assert.doesNotMatch(result.stderr, /invalid config/);
  assert.ok(result.stderr.length < 1000, `stderr of ${result.stderr.length} characters`);
});

test('a run refused for its data (too few labels, a bad JSONL line) creates no run directory and keeps an existing one', async () => {
  const dir = tempDir();
  const config = (data: string, outDir: string) =>
    writeConfig(dir, {
      name: 'data-run',
      task: { family: 'jsonl', path: data, ways: 2, shots: 1, queryShots: 1 },
      model: { kind: 'transformer', layers: 0, dModel: 8, heads: 2, maxLength: 16 },
      evaluation: { baselines: ['random'] },
      runtime: { workers: 1, outDir },
      compression: { enabled: false },
    } as never, `${outDir.split('/').pop()}.yaml`);
  const line = (i: number, label: string) => JSON.stringify({ text: `text ${i}`, label });
  writeFileSync(join(dir, 'three-labels.jsonl'), Array.from({ length: 30 }, (_, i) => line(i, `L${i % 3}`)).join('\n'));
  writeFileSync(join(dir, 'bad-line.jsonl'), [...Array.from({ length: 40 }, (_, i) => line(i, `L${i % 10}`)), '{"text": "no label"'].join('\n'));
  const cases: Array<[string, RegExp]> = [
    ['three-labels.jsonl', /task\.classSplit/],
    ['bad-line.jsonl', /bad-line\.jsonl:41: /],
  ];
  for (const [data, message] of cases) {
    const out = join(dir, `run-${data}`);
    const result = await runCli(['run', config(data, out)], {}, 60_000);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, message);
    assert.ok(!existsSync(out), `${data}: no run directory is created`);
  }
  // A run directory that was there before stays as it was (one holding files that are not a run's is refused before
  // the data is read: test/cli/out-dir.test.ts).
  const existing = join(dir, 'run-existing');
  mkdirSync(existing);
  // An earlier run's summary (a user's own is refused as not a run's: test/cli/out-dir.test.ts).
  const earlier = `${JSON.stringify({ run: 'earlier', reason: 'stopped', steps: 0, bestStep: 0, checkpoint: '', metricName: 'accuracy', results: [], classical: [], history: {}, seconds: {} })}\n`;
  writeFileSync(join(existing, 'summary.json'), earlier);
  const result = await runCli(['run', config('three-labels.jsonl', existing)], {}, 60_000);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /task\.classSplit/);
  assert.deepEqual(readdirSync(existing), ['summary.json']);
  assert.equal(readFileSync(join(existing, 'summary.json'), 'utf8'), earlier);
});
