import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { connectNats, keepRunState, RunEventPublisher } from '../../src/bus';
import { RunEvents, type FinishedEvent } from '../../src/coordinator/run-events';
import type { RunPhase } from '../../src/coordinator/run-phase';
import type { RunSummary } from '../../src/summary';
import { freePort, runCli, sinusoidConfig, startCli, tempDir, untilCheckpoint, waitExit, waitForOutput, writeConfig } from '../support/harness';

/** The NATS server CI starts (.ci/run). */
const NATS_URL = process.env.METATRAIN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Steps shown by `metatrain watch`, in order. */
function stepsShown(stdout: string): number[] {
  return [...stdout.matchAll(/^\S+ {2}step (\d+)/gm)].map((m) => Number(m[1]));
}

test('metatrain watch --nats shows every step of a live run from its NATS events and exits 0 when the run ends', async () => {
  const run = `watch-nats-${process.pid}`;
  const dir = tempDir();
  const watch = startCli(['watch', run, '--nats', NATS_URL]);
  try {
    await waitForOutput(watch, (t) => t.includes(`watching run ${run}`), 20_000);
    const ran = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { name: run, nats: { url: NATS_URL } })), '--workers', '2']);
    assert.equal(ran.code, 0, ran.stderr);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
    const result = await waitExit(watch, 30_000);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(stepsShown(result.stdout), Array.from({ length: summary.steps }, (_, i) => i + 1));
    assert.match(result.stdout, /\[training\] meta-training/);
    assert.match(result.stdout, /validation at step 4: loss \d/);
    assert.match(result.stdout, /checkpoint at step 12/);
    assert.match(result.stdout, /compression\.succeeded: /);
    assert.match(result.stdout, /\[succeeded\] run complete/);
    const summaryFile = join(dir, 'run', 'summary.json');
    assert.match(result.stderr, new RegExp(`run ${run} succeeded: run complete \\(summary: ${summaryFile}\\)`));
    assert.match(result.stderr, /its events show once the run publishes them \(a run with nats\.url in its config; RUN is the config's name\)/);
    // Before: a watch started after the run ended waited forever without a word. NATS (JetStream) keeps the run's
    // last phase: the watch says at once how it ended, when, and where its summary is.
    const late = await runCli(['watch', run, '--nats', NATS_URL], {}, 20_000);
    assert.equal(late.code, 0, late.stderr);
    assert.equal(late.stdout, '', 'no events are replayed');
    assert.match(late.stderr, new RegExp(`run ${run} succeeded: run complete \\(it had ended at \\d{4}-\\d\\d-\\d\\dT\\S+Z, before this watch started; summary: ${summaryFile}\\)`));
  } finally {
    watch.kill('SIGKILL');
  }
});

test('metatrain watch --nats of a run that publishes nothing says after --quiet-ms that no event arrives and what to check, a password in its URL shown as …', async () => {
  const run = `watch-quiet-${process.pid}`;
  // A user and password in the URL (the client does not send them) are shown as …: before, 'watching run … on' showed them.
  const url = NATS_URL.replace(/^(nats:\/\/)?/, 'nats://user:s3cret@');
  const shown = url.replace('s3cret', '…');
  const watch = startCli(['watch', run, '--nats', url, '--quiet-ms', '1000']);
  try {
    await waitForOutput(watch, (t) => t.includes('no event from run'), 20_000);
    assert.ok(watch.output.stderr.startsWith(`watching run ${run} on ${shown}: its events show`), watch.output.stderr);
    assert.doesNotMatch(watch.output.stderr, /s3cret/);
    assert.match(
      watch.output.stderr,
      new RegExp(`no event from run ${run} on ${shown} for 1 s, and this server keeps no record of a run of that name: check that ${run} is the config's name, that the run's nats\\.url is this server and that it has started .*Still watching`),
    );
    assert.equal(watch.exitCode, null, 'it keeps watching');
  } finally {
    watch.kill('SIGKILL');
  }
});

test('metatrain watch --nats at an HTTP port says it answered, but not as NATS, and which port to give; a silent one still times out', async (t) => {
  // Before: "cannot connect to NATS at 127.0.0.1:PORT: timeout", as when nothing answers.
  const web = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('metrics\n'));
  const silent = createTcpServer(() => {});
  t.after(() => {
    web.close();
    silent.close();
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const webAddress = `127.0.0.1:${(web.address() as AddressInfo).port}`;
  for (const url of [webAddress, `nats://${webAddress}`]) {
    const r = await runCli(['watch', 'some-run', '--nats', url]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `metatrain: ${webAddress} answered, but not as a NATS server (it looks like HTTP): give the NATS client port (4222 by default), not the monitoring or metrics port\n`);
  }
  const silentAddress = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const r = await runCli(['watch', 'some-run', '--nats', silentAddress]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `metatrain: cannot connect to NATS at ${silentAddress}: timeout\n`);
});

test('metatrain watch of a name no run can have says what a run name must be, as a config with that name is told', async () => {
  // Before: `run name "a.b" cannot be a NATS subject token: use a DNS label`, and only with --nats.
  const rule = 'must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit, at most 40 characters';
  for (const name of ['NoSuch_Run', 'a.b', 'x y', 'metatrain.*', '>', 'a'.repeat(41)]) {
    for (const source of [['--nats', NATS_URL], ['--coordinator', '127.0.0.1:1']]) {
      const r = await runCli(['watch', name, ...source], {}, 20_000);
      assert.equal(r.code, 1, `${name} ${source.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`error: command-argument value '${name}' is invalid for argument 'run'. a run name (the config's name) ${rule}\n`), r.stderr);
    }
  }
  const dir = tempDir();
  const config = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { name: 'a.b' }))], {}, 20_000);
  assert.equal(config.code, 1, config.stderr);
  assert.ok(config.stderr.includes(`invalid config at name: ${rule} (got "a.b")`), config.stderr);
});

test('without NATS, metatrain watch follows a coordinator through /status and through the status RPC until it ends', async () => {
  const dir = tempDir();
  const run = 'watch-status';
  const token = 'watch-test-token';
  const config = writeConfig(dir, sinusoidConfig(dir, { name: run, runtime: { listen: '127.0.0.1:0', metricsPort: 0, outDir: join(dir, 'run'), leaseTimeoutMs: 20_000, maxAttempts: 4, keepaliveMs: 1000 } }));
  const env = { METATRAIN_TOKEN: token };
  const coordinator = startCli(['coordinator', '--config', config, '--linger-seconds', '3'], env);
  const children = [coordinator];
  try {
    await waitForOutput(coordinator, (t) => t.includes('"listening"'), 30_000);
    const { port, metricsPort } = JSON.parse(coordinator.output.stdout.split('\n').find((l) => l.includes('"listening"'))!) as { port: number; metricsPort: number };
    const http = startCli(['watch', run, '--coordinator', `http://127.0.0.1:${metricsPort}`, '--interval-ms', '100'], env);
    const rpc = startCli(['watch', run, '--coordinator', `127.0.0.1:${port}`, '--interval-ms', '100'], env);
    const wrongRun = startCli(['watch', 'another-run', '--coordinator', `http://127.0.0.1:${metricsPort}`], env);
    const noSource = startCli(['watch', run], { METATRAIN_NATS_URL: '' });
    children.push(http, rpc, wrongRun, noSource);
    // The workers start once both watchers show the coordinator: a 12-step run can otherwise end before a slow start.
    for (const watcher of [http, rpc]) await waitForOutput(watcher, (t) => t.trim().length > 0, 30_000);
    for (const i of [0, 1]) children.push(startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', `w${i}`], env));
    for (const watcher of [http, rpc]) {
      const result = await waitExit(watcher, 60_000);
      assert.equal(result.code, 0, result.stderr);
      // Every step, also those done between two reads (the status lists the last ones); before, only the step of
      // each read showed.
      assert.deepEqual(stepsShown(result.stdout), Array.from({ length: 12 }, (_, i) => i + 1), result.stdout);
      assert.match(result.stdout, /\[succeeded\] run complete/);
      // [evaluating] comes after the last step and before the end, as on NATS, also when it passed between two reads.
      const at = (pattern: RegExp) => result.stdout.split('\n').findIndex((l) => pattern.test(l));
      assert.ok(at(/ {2}step 12\//) < at(/\[evaluating\] meta-training \S+ at step 12; evaluating/) && at(/\[evaluating\]/) < at(/\[succeeded\]/), result.stdout);
    }
    const wrong = await waitExit(wrongRun, 30_000);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /serves run "watch-status", not "another-run"/);
    const none = await waitExit(noSource, 30_000);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /give --nats URL .* or --coordinator ADDRESS/);
    const done = await waitExit(coordinator, 30_000);
    assert.equal(done.code, 0, done.stderr);
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});

test('metatrain watch says a run stopped by SIGTERM was stopped, not failed, and how to resume it', async () => {
  const run = `watch-stopped-${process.pid}`;
  const dir = tempDir();
  const watch = startCli(['watch', run, '--nats', NATS_URL]);
  const endless = sinusoidConfig(dir, { name: run, nats: { url: NATS_URL }, training: { maxSteps: 100_000, evalEverySteps: 1000, checkpointEverySteps: 2 } });
  const metatrain = startCli(['run', writeConfig(dir, endless), '--workers', '1']);
  try {
    await waitForOutput(watch, (t) => t.includes(`watching run ${run}`), 20_000);
    await untilCheckpoint(metatrain, join(dir, 'run'));
    metatrain.kill('SIGTERM');
    assert.equal((await waitExit(metatrain)).code, 143);
    const result = await waitExit(watch, 30_000);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /\[stopped\] meta-training interrupted at step \d+ by a graceful stop .*; resume with --resume/);
    assert.match(result.stderr, new RegExp(`run ${run} stopped: meta-training interrupted at step \\d+ .*resume with --resume`));
    assert.doesNotMatch(result.stdout + result.stderr, /\[failed\]|run \S+ failed/);
  } finally {
    watch.kill('SIGKILL');
    metatrain.kill('SIGKILL');
  }
});

test('metatrain watch of a coordinator it never reached says what it tried and what to check', async () => {
  const address = `http://127.0.0.1:${await freePort()}`;
  const result = await runCli(['watch', 'nowhere', '--coordinator', address, '--interval-ms', '100', '--give-up-ms', '1000']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`no coordinator at ${address}/status \\(connection refused\\): is run nowhere still running\\? Check the address .*, or follow the run's events with --nats URL`));
});

test('metatrain watch --coordinator reads /status on a port fetch refuses (6000 and the other "bad ports"), and says a sub-second --give-up-ms in ms', async (t) => {
  // Before: "unreachable for 4 s (fetch failed); it never answered" for a coordinator answering on port 6000 (Node's
  // fetch blocks the Fetch standard's bad ports), and "unreachable for 0 s" for --give-up-ms 100.
  const snapshot = { run: 'r', phase: 'succeeded', step: 4, maxSteps: 4, metaLoss: 0.5, metaValLoss: null, metaValMetric: null, workers: 1, lastCheckpoint: '', tasksPerSecond: 1, message: 'run complete' };
  const server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot)));
  let port: number | undefined;
  for (const candidate of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      port = candidate;
      break;
    }
  }
  if (port === undefined) return t.skip('ports 6000, 6665-6669 and 10080 are all in use');
  try {
    const result = await runCli(['watch', 'r', '--coordinator', `http://127.0.0.1:${port}`, '--interval-ms', '100', '--give-up-ms', '3000']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /run r succeeded: run complete/);
  } finally {
    server.close();
  }
  const silent = createTcpServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const result = await runCli(['watch', 'r', '--coordinator', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, '--interval-ms', '100', '--give-up-ms', '100']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /unreachable for 100 ms \(no answer within 5 s\)/);
  } finally {
    silent.close();
  }
});

test('metatrain watch --coordinator where nothing listens (connection refused) fails within seconds, not after --give-up-ms, without grpc-js noise', async () => {
  // Before: it retried for the default --give-up-ms of 30 s, then ended with "... ECONNREFUSED 127.0.0.1:P. Resolution note: )".
  for (const address of [`127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`]) {
    const started = Date.now();
    const result = await runCli(['watch', 'r', '--coordinator', address], { METATRAIN_TOKEN: 'secret' });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /no coordinator at (http:\/\/)?127\.0\.0\.1:\d+(\/status)? \(connection refused\): is run r still running\? Check the address/);
    assert.doesNotMatch(result.stderr, /Resolution note|No connection established|UNAVAILABLE/);
    assert.ok(seconds < 10, `${address}: failed after ${seconds} s`);
  }
});

test('metatrain watch --coordinator --give-up-ms waits that long for a coordinator that is not listening yet (a run that is starting), not 2 s', async () => {
  // Before: the 2 s fast fail for a refused connection overrode --give-up-ms 60000: "no coordinator at …" after 2 s.
  const port = await freePort();
  const started = Date.now();
  const watch = startCli(['watch', 'r', '--coordinator', `http://127.0.0.1:${port}`, '--interval-ms', '200', '--give-up-ms', '60000']);
  const snapshot = { run: 'r', phase: 'succeeded', step: 4, maxSteps: 4, metaLoss: 0.5, metaValLoss: null, metaValMetric: null, workers: 1, lastCheckpoint: '', tasksPerSecond: 1, message: 'run complete' };
  const server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot)));
  try {
    await waitForOutput(watch, (t) => t.includes('watching run r'), 20_000);
    // The coordinator begins listening 4 s after the watch started: later than the 2 s fast fail.
    await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (Date.now() - started))));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const result = await waitExit(watch, 30_000);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /run r succeeded: run complete/);
    assert.doesNotMatch(result.stderr, /no coordinator at/);
  } finally {
    watch.kill('SIGKILL');
    server.close();
  }
});

test('metatrain watch --coordinator at an address that is not a coordinator status endpoint says so at once, and which port or flag to use', async () => {
  // Before: a bare "Protocol error" (or "HTTP 404", or a JSON parse error) after retrying for --give-up-ms.
  const nats = new URL(NATS_URL);
  const natsAddress = `${nats.hostname}:${nats.port}`;
  const useInstead = /\. For the coordinator, give --coordinator host:PORT with the port of its status RPC \(its --listen or runtime\.listen: "port" in the coordinator's "listening" line; needs the run token\), or http:\/\/host:METRICS_PORT for its \/status \("metricsPort" in that line\)$/;
  const server = createHttpServer((req, res) => {
    if (req.url === '/status') res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>hello</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const web = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const cases: Array<[string, RegExp, boolean]> = [
      [natsAddress, /\(it answers, but not in gRPC: HTTP\/2 protocol error\)/, true],
      [`http://${natsAddress}`, /\(it does not answer in HTTP \(HPE_\w+\)\)/, true],
      [web, new RegExp(`\\(HTTP 404 from ${web}/status\\)`), false],
      [`${web}/index.html`, /\(HTTP 200 with text\/html, not the JSON of a run status\)/, false],
      [web.replace('http://', ''), /\(it answers, but not in gRPC: HTTP\/2 protocol error\)/, false],
    ];
    for (const [address, what, isNats] of cases) {
      const started = Date.now();
      const result = await runCli(['watch', 'some-run', '--coordinator', address, '--give-up-ms', '60000'], { METATRAIN_TOKEN: 'token' }, 30_000);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(Date.now() - started < 20_000, 'refused at once, not after --give-up-ms');
      const line = result.stderr.split('\n').find((l) => l.startsWith('metatrain: ')) ?? result.stderr;
      assert.ok(line.startsWith(`metatrain: ${address} does not answer as a metatrain coordinator status endpoint (`), line);
      assert.match(line, what);
      assert.match(line, useInstead);
      assert.equal(line.includes(`it is a NATS server: to follow the run's events from it, use --nats nats://${natsAddress}`), isNats, line);
    }
  } finally {
    server.close();
  }
});

test('metatrain watch --coordinator with a wrong run token fails at once with the message a worker gives', async () => {
  // Before: it retried for --give-up-ms, then said the coordinator was unreachable and "never answered".
  const dir = tempDir();
  const run = 'watch-token';
  const config = writeConfig(dir, sinusoidConfig(dir, { name: run, runtime: { listen: '127.0.0.1:0', metricsPort: 0, outDir: join(dir, 'run'), leaseTimeoutMs: 20_000, maxAttempts: 4, keepaliveMs: 1000 } }));
  const coordinator = startCli(['coordinator', '--config', config], { METATRAIN_TOKEN: 'right-token' });
  try {
    await waitForOutput(coordinator, (t) => t.includes('"listening"'), 30_000);
    const { port } = JSON.parse(coordinator.output.stdout.split('\n').find((l) => l.includes('"listening"'))!) as { port: number };
    const wrong = { METATRAIN_TOKEN: 'wrong-token' };
    const started = Date.now();
    const [watch, worker] = await Promise.all([
      runCli(['watch', run, '--coordinator', `127.0.0.1:${port}`, '--give-up-ms', '60000'], wrong, 30_000),
      runCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', 'intruder'], wrong, 30_000),
    ]);
    assert.equal(watch.code, 1, watch.stderr);
    assert.equal(worker.code, 1, worker.stderr);
    assert.ok(Date.now() - started < 20_000, 'refused at once, not after --give-up-ms');
    const refusal = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('metatrain: '));
    assert.equal(refusal(watch.stderr), refusal(worker.stderr), `watch: ${watch.stderr}\nworker: ${worker.stderr}`);
    assert.match(refusal(watch.stderr)!, /^metatrain: 16 UNAUTHENTICATED: wrong run token: present the run token \(METATRAIN_TOKEN or --token-file\)/);
    assert.doesNotMatch(watch.stderr, /unreachable|never answered/);
  } finally {
    coordinator.kill('SIGKILL');
  }
});

test('metatrain watch --nats of a run that had ended says how to follow its next run, and with --next follows that run', async () => {
  // Before: a watch started before a rerun said how the previous run had ended and exited 0, never following the rerun.
  const run = `watch-next-${process.pid}`;
  const nc = await connectNats(NATS_URL, { name: 'watch-next-test' });
  try {
    await keepRunState(nc);
    // A run publishes through the coordinator's publisher; JetStream keeps its last phase and finished event.
    const publish = async (phases: Array<[RunPhase, string]>, finished: FinishedEvent, steps = 0) => {
      const events = new RunEvents();
      const publisher = new RunEventPublisher(nc, run, events);
      events.emit('phase', ...phases[0]!);
      for (let step = 1; step <= steps; step++) events.emit('step', { step, maxSteps: steps, metaLoss: 0.5, metaMetric: 0.4, durationSeconds: 0.1, tasksPerSecond: 10, workers: 1 });
      for (const phase of phases.slice(1)) events.emit('phase', ...phase);
      events.emit('finished', finished);
      await publisher.close();
    };
    await publish([['training', 'meta-training'], ['failed', 'first attempt']], { phase: 'failed', reason: 'first attempt', steps: 0, summaryFile: '/runs/first/summary.json' });
    await new Promise((r) => setTimeout(r, 100)); // the ended run is recorded before the next watch starts

    const late = await runCli(['watch', run, '--nats', NATS_URL], {}, 20_000);
    assert.equal(late.code, 1, late.stderr);
    assert.match(late.stderr, new RegExp(`run ${run} failed: first attempt \\(it had ended at \\S+, before this watch started; summary: /runs/first/summary\\.json\\)\n`));
    assert.ok(late.stderr.includes(`\nto follow the next run of that name instead, from its start: metatrain watch ${run} --nats ${NATS_URL} --next\n`), late.stderr);

    // --next skips the ended run, even its `finished` event arriving late, and says whose end it skipped.
    const next = startCli(['watch', run, '--nats', NATS_URL, '--next', '--quiet-ms', '1000']);
    try {
      await waitForOutput(next, (t) => t.includes('no event from run'), 20_000);
      assert.match(next.output.stderr, new RegExp(`the last run ${run} had ended \\(failed at \\S+\\); waiting for the next run of that name \\(--next\\)`));
      assert.match(next.output.stderr, /the last run of that name ended \(failed at \S+\), and the next one has not started: check that it is starting, with this server as its nats\.url\. Still watching/);
      const stale = new RunEvents();
      const stalePublisher = new RunEventPublisher(nc, run, stale);
      stale.emit('finished', { phase: 'failed', reason: 'first attempt', steps: 0 });
      await stalePublisher.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(next.exitCode, null, `it waits for the next run: ${next.output.stderr}`);
      await publish([['training', 'meta-training'], ['succeeded', 'run complete']], { phase: 'succeeded', reason: 'run complete', steps: 3, summaryFile: '/runs/second/summary.json' }, 3);
      const result = await waitExit(next, 20_000);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(stepsShown(result.stdout), [1, 2, 3]);
      assert.match(result.stdout, /\[succeeded\] run complete/);
      assert.doesNotMatch(result.stdout, /first attempt/);
      assert.match(result.stderr, new RegExp(`run ${run} succeeded: run complete \\(summary: /runs/second/summary\\.json\\)\n`));
    } finally {
      next.kill('SIGKILL');
    }
    const polling = await runCli(['watch', run, '--coordinator', '127.0.0.1:1', '--next'], {}, 20_000);
    assert.equal(polling.code, 1, polling.stderr);
    assert.match(polling.stderr, /--next needs --nats URL/);
  } finally {
    await nc.close();
  }
});

test('metatrain run prints the watch command that follows it, and that command does (to the end with --linger-seconds)', async () => {
  // Before: the address run printed was the gRPC port, which watch cannot poll without the run's token; the
  // /status port was only in targets.json.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { name: 'watch-local', training: { maxSteps: 40, evalEverySteps: 20, checkpointEverySteps: 20 }, compression: { enabled: false }, runtime: { workers: 1, outDir: join(dir, 'run') } }));
  const run = startCli(['run', config, '--linger-seconds', '3']);
  try {
    await waitForOutput(run, (text) => /follow it from another terminal with: .*\n/.test(text), 30_000);
    const command = /follow it from another terminal with: metatrain (watch watch-local --coordinator http:\/\/127\.0\.0\.1:\d+)\n/.exec(run.output.stderr);
    assert.ok(command, run.output.stderr);
    const watched = await runCli([...command[1]!.split(' '), '--interval-ms', '100'], {}, 60_000);
    assert.equal(watched.code, 0, watched.stderr);
    assert.equal(stepsShown(watched.stdout).at(-1), 40, watched.stdout);
    const ended = await waitExit(run);
    assert.equal(ended.code, 0);
    // Before: nothing said why the terminal sat silent for the linger after the run had ended.
    assert.ok(ended.stderr.includes('[succeeded] run complete\nlingering for 3 s so that metatrain watch and Prometheus can read the final state; the results follow (Ctrl-C ends it now)\n'), ended.stderr);
    // Without a linger the hint says that watch sees the final state only with one, and nothing says it lingers.
    const quick = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { name: 'watch-local', compression: { enabled: false }, runtime: { workers: 1, outDir: join(dir, 'quick') } }), 'quick.yaml')]);
    assert.match(
      quick.stderr,
      /--coordinator http:\/\/127\.0\.0\.1:\d+ \(it shows the run while it runs; to see the final state too, start the run with --linger-seconds S: the coordinator then stays up S seconds after the run ends\)\n/,
    );
    assert.doesNotMatch(quick.stderr, /lingering/);
  } finally {
    run.kill('SIGKILL');
  }
});

test('watch --nats and a local run with a nats.url holding a password show it as … when NATS cannot be reached', async () => {
  // Before: "cannot connect to NATS at nats://user:pw@127.0.0.1:PORT: connection refused", the password echoed.
  const port = await freePort();
  const url = `nats://user:s3cret@127.0.0.1:${port}`;
  const said = `metatrain: cannot connect to NATS at nats://user:…@127.0.0.1:${port}: connection refused\n`;
  const watch = await runCli(['watch', 'some-run', '--nats', url]);
  assert.equal(watch.code, 1, watch.stdout);
  assert.equal(watch.stderr, said);
  const dir = tempDir();
  const run = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { nats: { url } })), '--out', join(dir, 'out')], {}, 60_000);
  assert.equal(run.code, 1, run.stdout);
  assert.ok(run.stderr.endsWith(said) && !run.stderr.includes('s3cret'), run.stderr);
});
