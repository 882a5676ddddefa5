/** Command-line options are refused by the parser, naming the option and what it accepts, before any work starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { boundedInt, configFieldInt, hostPort, MAX_TOKEN_FILE_BYTES, milliseconds, natsServersOption, pathOption, portNumber, positiveInt, seconds, statusAddress } from '../../src/cli/options';
import { FlagError } from '../../src/core/errors';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sinusoidConfig, tempDir, writeConfig } from '../support/harness';
import { integerRange } from '../../src/core/integer-field';
import { MAX_WORKER_CONCURRENCY, MIN_KEEPALIVE_MS, MIN_KEEPALIVE_REASON, runtimeSchema } from '../../src/coordinator/runtime-config';
import { RUN_NAME_RULE } from '../../src/core/run-name';

test('every command with --backend refuses an unknown backend, naming the option and the choices', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const commands = [
    ['run', config],
    ['worker', '--coordinator', '127.0.0.1:1'],
    ['compress', '--checkpoint', dir],
    ['adapt', '--checkpoint', dir, '--data', config, '--out', `${dir}/out`],
    ['compressor', '--nats', 'nats://127.0.0.1:4222'],
  ];
  for (const args of commands) {
    const result = await runCli([...args, '--backend', 'nonsense'], { METATRAIN_TOKEN: 't' }, 30_000);
    assert.notEqual(result.code, 0, `${args[0]}: ${result.stderr}`);
    assert.match(result.stderr, /option '--backend <name>' argument 'nonsense' is invalid\. Allowed choices are wasm, cpu, tensorflow\./, args[0]);
  }
});

test('metatrain run refuses a worker count that is not a positive integer, saying whether the digits or the value is wrong', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const cases = [
    ['0', 'expected an integer 1..64, got "0"'],
    ['abc', 'expected an integer 1..64 written in digits only, got "abc"'],
  ];
  for (const [bad, message] of cases) {
    const result = await runCli(['run', config, '--workers', bad!], {}, 30_000);
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`option '--workers <n>' argument '${bad}' is invalid. ${message}\n`), result.stderr);
  }
});

test('metatrain run --workers beyond any number gets the local worker limit, as --workers 65 does', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  for (const bad of ['65', '99999999999999999999']) {
    const result = await runCli(['run', config, '--workers', bad, '--resume'], {}, 30_000);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, `metatrain: --workers ${bad}: metatrain run starts at most 64 local worker processes (MAX_LOCAL_WORKERS); run more on Kubernetes with metatrain launch\n`);
  }
});

test('integer options accept decimal digits only, within their documented bounds', () => {
  const parse = boundedInt(0, 10_000);
  assert.equal(parse('0'), 0);
  assert.equal(parse('10000'), 10_000);
  for (const bad of ['1e3', '12abc', '0x10', ' 5', '5 ', '5.0', '+5', '-1', '']) {
    assert.throws(() => parse(bad), (e: Error) => e instanceof InvalidArgumentError && e.message === `expected an integer 0..10,000 written in digits only, got ${JSON.stringify(bad)}`, bad);
  }
  // Digits out of range: "too large" and the bounds, not "digits only", however many digits.
  for (const bad of ['10001', '99999999999999999999']) {
    assert.throws(() => parse(bad), (e: Error) => e instanceof InvalidArgumentError && e.message === `too large: expected an integer 0..10,000, got ${JSON.stringify(bad)}`, bad);
  }
  assert.equal(milliseconds('2147483647'), 2 ** 31 - 1);
  assert.throws(() => milliseconds('2147483648'), (e: Error) => e.message === 'too large: expected an integer 1..2,147,483,647 ms, got "2147483648"');
  assert.equal(seconds('2147483'), 2_147_483);
  assert.throws(() => seconds('2147484'), /0\.\.2,147,483 s/);
  // One form for every integer option, its bounds even where the upper is 2^53-1 (before: "expected an integer ≥ 1").
  assert.throws(() => positiveInt('0'), (e: Error) => e.message === 'expected an integer 1..9,007,199,254,740,991 (2^53-1), got "0"');
  // Past 2^53-1 (which `Number` no longer holds exactly): too large, with the largest integer taken.
  for (const bad of ['9007199254740992', '99999999999999999999']) {
    assert.throws(() => positiveInt(bad), (e: Error) => e.message === `too large: expected an integer 1..9,007,199,254,740,991 (2^53-1), got "${bad}"`, bad);
  }
  assert.equal(positiveInt('9007199254740991'), Number.MAX_SAFE_INTEGER);
  assert.throws(() => positiveInt('x'), (e: Error) => e.message === 'expected an integer 1..9,007,199,254,740,991 (2^53-1) written in digits only, got "x"');
  assert.throws(() => portNumber('0x50'), /expected a port 0\.\.65535, got "0x50"/);
  assert.equal(portNumber('0'), 0);
});

test('a leading zero gets its hint before the bounds: all zeros, or zeros before a value out of range, said to be out of range too', () => {
  // Before: `--workers 00` read 'expected an integer 1..64, got "00"' and `--workers 0100` 'too large', without the hint;
  // then 'write 0' and 'write 100', values the option refuses.
  const workers = boundedInt(1, 64, { tooLarge: () => new InvalidArgumentError('at most 64 local workers') });
  const cases = [['00', 'without the leading zero it is 0, below 1'], ['000', 'without the leading zero it is 0, below 1'], ['0100', 'without the leading zero it is 100, above 64'], ['0099999999999999999999', 'without the leading zero it is 99999999999999999999, above 64'], ['064', 'write 64']] as const;
  for (const [bad, hint] of cases) {
    assert.throws(() => workers(bad), (e: Error) => e instanceof InvalidArgumentError && e.message === `expected an integer 1..64 written without a leading zero, got "${bad}": ${hint}`, bad);
  }
  assert.throws(() => positiveInt('0'.repeat(2) + '9007199254740992'), (e: Error) => e.message.endsWith(': without the leading zero it is 9007199254740992, above 9,007,199,254,740,991'));
  for (const [bad, hint] of [['00', 'write 0'], ['065535', 'write 65535'], ['070000', 'without the leading zero it is 70000, above 65535']] as const) {
    assert.throws(() => portNumber(bad), (e: Error) => e instanceof InvalidArgumentError && e.message === `expected a port 0..65535 written without a leading zero, got "${bad}": ${hint}`, bad);
  }
});

test('a --nats server list is refused as a config\'s nats.url is, naming the flag and the server, its password as …', () => {
  // Before: watch and compressor dialed http://HOST:PORT as HOST:PORT, and said ws:// and port 99999 in the client's words.
  const nats = natsServersOption('--nats');
  assert.equal(nats('nats://a:4222, b ,tls://c'), 'nats://a:4222, b ,tls://c');
  const cases = [
    ['http://127.0.0.1:4222', 'http://127.0.0.1:4222: expected nats://HOST:PORT, got "http://127.0.0.1:4222"'],
    ['nats://a:4222,nats://user:s3cret@b:04222', 'nats://a:4222,nats://user:…@b:04222: nats://user:…@b:04222: the port has a leading zero; write 4222'],
    ['ws://h:80', "ws://h:80: ws://h:80: metatrain's NATS client (nats.js for Node) connects over TCP and refuses ws:// (WebSocket); give the server's client port, e.g. nats://h:4222"],
  ] as const;
  for (const [bad, message] of cases) {
    assert.throws(() => nats(bad), (e: Error) => e instanceof FlagError && e.message === `--nats ${message}`, bad);
  }
});

test('integer and port options refuse a leading zero, as a config refuses it in an integer field', async () => {
  // Before: `--workers 02` ran 2 workers and `--metrics-port 08080` served on 8080, where a config's `workers: 02` is refused.
  const parse = boundedInt(0, 10_000);
  assert.equal(parse('0'), 0);
  for (const [bad, n] of [['02', 2], ['010', 10], ['00', 0]] as const) {
    assert.throws(() => parse(bad), (e: Error) => e instanceof InvalidArgumentError && e.message === `expected an integer 0..10,000 written without a leading zero, got "${bad}": write ${n}`, bad);
  }
  assert.throws(() => portNumber('08080'), (e: Error) => e.message === 'expected a port 0..65535 written without a leading zero, got "08080": write 8080');
  const dir = tempDir();
  const result = await runCli(['run', writeConfig(dir, sinusoidConfig(dir)), '--workers', '02'], {}, 30_000);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(result.stderr.includes(`option '--workers <n>' argument '02' is invalid. expected an integer 1..64 written without a leading zero, got "02": write 2\n`), result.stderr);
});

test('flags that stand for a config field take its bounds: worker --keepalive-ms and --concurrency, compressor --max-attempts and --run (a run name)', async () => {
  // Before: --keepalive-ms 1 was taken (runtime.keepaliveMs must be at least 1000) and the worker's connection was dropped
  // at every task; --concurrency and --max-attempts took up to 2^53-1 (the coordinator hands a worker at most 64 tasks).
  const cases: Array<[string[], string]> = [
    [['worker', '--coordinator', '127.0.0.1:1', '--keepalive-ms', '1'], `option '--keepalive-ms <ms>' argument '1' is invalid. expected an integer 1,000..2,147,483,647 ms, got "1": as runtime.keepaliveMs, ${MIN_KEEPALIVE_REASON}`],
    [['worker', '--coordinator', '127.0.0.1:1', '--keepalive-ms', '999'], `argument '999' is invalid. expected an integer 1,000..2,147,483,647 ms, got "999": as runtime.keepaliveMs, ${MIN_KEEPALIVE_REASON}`],
    [['worker', '--coordinator', '127.0.0.1:1', '--concurrency', '65'], `option '--concurrency <n>' argument '65' is invalid. too large: expected an integer 1..64, got "65"`],
    [['worker', '--coordinator', '127.0.0.1:1', '--concurrency', '0'], `option '--concurrency <n>' argument '0' is invalid. expected an integer 1..64, got "0"`],
    [['compressor', '--nats', 'nats://127.0.0.1:4222', '--max-attempts', '101'], `option '--max-attempts <n>' argument '101' is invalid. too large: expected an integer 1..100, got "101"`],
    [['compressor', '--nats', 'nats://127.0.0.1:4222', '--max-attempts', '0'], `option '--max-attempts <n>' argument '0' is invalid. expected an integer 1..100, got "0"`],
    [['compressor', '--nats', 'nats://127.0.0.1:4222', '--run', 'My.Run'], `option '--run <run>' argument 'My.Run' is invalid. a run name (the config's name) ${RUN_NAME_RULE}`],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { METATRAIN_TOKEN: 't' }, 30_000);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`${message}\n`), r.stderr);
  }
  // The bounds are the config's own, read from its schema: the smallest keepalive a config takes, a flag takes.
  assert.deepEqual(integerRange(runtimeSchema, ['keepaliveMs']), [MIN_KEEPALIVE_MS, 2 ** 31 - 1]);
  assert.deepEqual(integerRange(runtimeSchema, ['workerConcurrency']), [1, MAX_WORKER_CONCURRENCY]);
  assert.equal(configFieldInt(runtimeSchema, ['keepaliveMs'])(String(MIN_KEEPALIVE_MS)), MIN_KEEPALIVE_MS);
  assert.throws(() => configFieldInt(runtimeSchema, ['backend']), /runtime|backend is not an integer field/);
});

test('adapt --max-steps takes 0..10,000 and names the flag, the bound and the value', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  for (const [bad, why, how] of [['10001', 'too large: ', ', got'], ['1e3', '', ' written in digits only'], ['5.0', '', ' written in digits only']]) {
    const result = await runCli(['adapt', '--checkpoint', dir, '--data', config, '--out', `${dir}/out`, '--max-steps', bad!], {}, 30_000);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`option '--max-steps <n>' argument '${bad!.replace('.', '\\.')}' is invalid\\. ${why}expected an integer 0\\.\\.10,000${how}`));
  }
});

test('millisecond and second flags are bounded by the 2^31-1 ms a Node timer waits', async () => {
  const dir = tempDir();
  const result = await runCli(['run', writeConfig(dir, sinusoidConfig(dir)), '--linger-seconds', '3000000'], {}, 30_000);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /option '--linger-seconds <s>' argument '3000000' is invalid\. too large: expected an integer 0\.\.2,147,483 s/);
  const worker = await runCli(['worker', '--coordinator', '127.0.0.1:1', '--keepalive-ms', '1e4'], { METATRAIN_TOKEN: 't' }, 30_000);
  assert.equal(worker.code, 1, worker.stderr);
  assert.match(worker.stderr, /option '--keepalive-ms <ms>' argument '1e4' is invalid\. expected an integer 1,000\.\.2,147,483,647 ms/);
});

test('coordinator --listen names the flag and the port range, before any warning is printed', async () => {
  const dir = tempDir();
  // compression without nats.url logs a warning once the coordinator starts: a bad flag must come first.
  const config = writeConfig(dir, sinusoidConfig(dir, { compression: { enabled: true } }));
  const result = await runCli(['coordinator', '--config', config, '--listen', '127.0.0.1:99999'], { METATRAIN_TOKEN: 't' }, 30_000);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(result.stderr.startsWith(`error: option '--listen <address>' argument '127.0.0.1:99999' is invalid. expected host:port with a port from 0 to 65535, 0 = any free port, got "127.0.0.1:99999"\n`), result.stderr);
});

test('worker --coordinator and watch --coordinator refuse a URL scheme or a bad address at once; watch refuses --nats with --coordinator', async () => {
  // Before: the worker retried `dns:http://…` forever; watch took `foo:bar` and reported it unreachable after 30 s.
  const cases: Array<[string[], RegExp]> = [
    [['worker', '--coordinator', 'http://127.0.0.1:4222'], /option '--coordinator <address>' argument 'http:\/\/127\.0\.0\.1:4222' is invalid\. expected host:port without a scheme \(drop http:\/\/\), got "http:\/\/127\.0\.0\.1:4222"/],
    [['worker', '--coordinator', 'grpc://coordinator:50051'], /expected host:port without a scheme \(drop grpc:\/\/\)/],
    [['watch', 'r', '--coordinator', 'foo:bar'], /option '--coordinator <address>' argument 'foo:bar' is invalid\. expected host:port with a port from 1 to 65535/],
    [['watch', 'r', '--coordinator', '127.0.0.1:99999'], /expected host:port with a port from 1 to 65535/],
    [['watch', 'r', '--coordinator', 'http://'], /expected host:port or http:\/\/host:port, got "http:\/\/"/],
    [['watch', 'r', '--coordinator', '127.0.0.1:1', '--nats', 'nats://127.0.0.1:4222'], /^metatrain: give either --nats URL \(run events\) or --coordinator ADDRESS \(status polling\), not both\n$/],
  ];
  for (const [args, message] of cases) {
    const started = Date.now();
    const r = await runCli(args, { METATRAIN_TOKEN: 't' }, 30_000);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.ok(Date.now() - started < 20_000, `${args.join(' ')}: refused at once`);
  }
  assert.equal(statusAddress('http://127.0.0.1:9464'), 'http://127.0.0.1:9464');
  assert.equal(statusAddress('coordinator:50051'), 'coordinator:50051');
  assert.throws(() => hostPort('https://x:1'), InvalidArgumentError);
});

test('watch --coordinator refuses a port written with a leading zero, in both forms, saying what to write', () => {
  // Before: http://127.0.0.1:018080 and 127.0.0.1:018080 were taken as port 18080, while --nats refused nats://h:04222.
  const refused = (value: string, message: string) => assert.throws(() => statusAddress(value), (err: Error) => err instanceof InvalidArgumentError && err.message === message, value);
  refused('127.0.0.1:018080', 'expected host:port with a port from 1 to 65535 written without a leading zero (write 127.0.0.1:18080), got "127.0.0.1:018080"');
  refused('[::1]:050051', 'expected host:port with a port from 1 to 65535 written without a leading zero (write [::1]:50051), got "[::1]:050051"');
  refused('http://127.0.0.1:018080', 'expected host:port or http://host:port with a port from 1 to 65535 written without a leading zero (write http://127.0.0.1:18080), got "http://127.0.0.1:018080"');
  refused('https://u:p@[::1]:09464/status', 'expected host:port or http://host:port with a port from 1 to 65535 written without a leading zero (write https://u:p@[::1]:9464/status), got "https://u:p@[::1]:09464/status"');
  // Digits that are 0 without their leading zeros are out of range: no `write` of a port that is refused too.
  refused('127.0.0.1:00', 'expected host:port with a port from 1 to 65535, got "127.0.0.1:00"');
  refused('http://127.0.0.1:00', 'expected host:port or http://host:port with a port from 1 to 65535, got "http://127.0.0.1:00"');
  for (const ok of ['127.0.0.1:18080', 'http://127.0.0.1:18080/status', 'http://h', 'http://h/0123', 'http://h?p=:012']) assert.equal(statusAddress(ok), ok);
});

test('--token-file that is missing, empty, a device, over 64 KiB or not visible ASCII is refused at once naming the flag and the file, before any warning is printed', async () => {
  // Before: --token-file /dev/zero was read until memory ran out.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { compression: { enabled: true } }));
  const missing = join(dir, 'no-such-token');
  const empty = join(dir, 'empty-token');
  writeFileSync(empty, ' \n');
  const big = join(dir, 'big-token');
  writeFileSync(big, 'x'.repeat(MAX_TOKEN_FILE_BYTES + 1));
  // Before: a worker with such a token retried for ever, logging the token in grpc-js's "illegal characters" error.
  const nul = join(dir, 'nul-token');
  writeFileSync(nul, 'abc\0secret\n');
  const accented = join(dir, 'accented-token');
  writeFileSync(accented, 'café');
  const advice = 'a run token is visible ASCII only (letters, digits, punctuation: no spaces, control bytes or accented letters), as `metatrain launch` makes it (hex)';
  const cases = [
    [nul, `metatrain: --token-file ${nul}: the token holds U+0000 at character 4; ${advice}\n`],
    [accented, `metatrain: --token-file ${accented}: the token holds U+00E9 at character 4; ${advice}\n`],
    [missing, `metatrain: --token-file ${missing}: cannot read it: no such file\n`],
    [empty, `metatrain: --token-file ${empty}: the file is empty\n`],
    ['/dev/zero', 'metatrain: --token-file /dev/zero: not a regular file but a character device: give a file holding the run token\n'],
    [big, `metatrain: --token-file ${big}: 65537 bytes, more than the 65536 bytes (64 KiB) allowed: a run token is one line (MAX_TOKEN_FILE_BYTES); give the file holding only the token\n`],
  ];
  for (const [file, message] of cases) {
    const result = await runCli(['coordinator', '--config', config, '--token-file', file!], {}, 30_000);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, message);
  }
});

test('an empty path flag or config path is refused naming the flag, instead of reading as the current directory or as no flag', async () => {
  // Before: `adapt --out ""` said "<cwd> already exists", `run CONFIG --out ""` ran into runs/NAME as if --out were
  // absent, `compress --out ""` compressed and then failed renaming over the current directory, `compress --config ""`
  // used the checkpoint's config, and `run ""` said "cannot read : ENOENT".
  assert.throws(() => pathOption('--out')(''), (e: Error) => e instanceof InvalidArgumentError && e.message === 'expected a path, got an empty string');
  assert.throws(() => pathOption('--out')('  '), (e: Error) => e instanceof InvalidArgumentError && e.message === 'expected a path, got only spaces');
  assert.equal(pathOption('--out')('out'), 'out');
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const cases: Array<[string[], string]> = [
    [['run', config, '--out', ''], '--out <dir>'],
    [['pretrain', config, '--out', ''], '--out <dir>'],
    [['adapt', '--checkpoint', dir, '--data', config, '--out', ''], '--out <dir>'],
    [['adapt', '--checkpoint', dir, '--data', '', '--out', join(dir, 'o')], '--data <file>'],
    [['compress', '--checkpoint', dir, '--out', ''], '--out <dir>'],
    [['compress', '--checkpoint', dir, '--config', ''], '--config <file>'],
    [['predict', '--model', '', '--text', 'hi'], '--model <dir>'],
  ];
  for (const [args, flag] of cases) {
    const r = await runCli(args, {}, 30_000);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`error: option '${flag}' argument '' is invalid. expected a path, got an empty string\n`), `${args.join(' ')}: ${r.stderr}`);
  }
  const r = await runCli(['run', ''], {}, 30_000);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, 'metatrain: invalid config: no config file given (the path is empty)\n');
});
