import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { textRun, writeTeacherCheckpoint } from '../compress/fixtures';
import { runCli, sinusoidConfig, startCli, tempDir, waitExit, waitForOutput, writeConfig } from '../support/harness';
import { writeTinyHfBert } from '../hf/fixtures';

// On /proc a plain mkdir answers ENOENT although /proc exists, and Node's recursive mkdir then retries forever:
// every command taking --out used to hang there. Each must fail within seconds, naming the directory.
const noProc = !existsSync('/proc/self') && 'needs Linux /proc';
const PROMPTLY_MS = 30_000;

test('every command taking --out fails promptly, naming the directory, when it cannot be created under /proc', { skip: noProc }, async () => {
  const dir = tempDir();
  const checkpoint = await writeTeacherCheckpoint(textRun(dir));
  const data = join(dir, 'user.jsonl');
  writeFileSync(data, `${['a', 'b', 'c', 'd', 'e'].flatMap((label) => [1, 2, 3].map((i) => JSON.stringify({ text: `${label} example ${i}`, label }))).join('\n')}\n`);
  const config = writeConfig(dir, sinusoidConfig(dir));
  const cases: Array<[string, string[], string]> = [
    ['adapt', ['adapt', '--checkpoint', checkpoint, '--data', data, '--backend', 'cpu', '--out', '/proc/metatrain-adapt'], '/proc/metatrain-adapt'],
    ['adapt (nested)', ['adapt', '--checkpoint', checkpoint, '--data', data, '--backend', 'cpu', '--out', '/proc/metatrain-a/b'], '/proc/metatrain-a/b'],
    ['compress', ['compress', '--checkpoint', checkpoint, '--backend', 'cpu', '--out', '/proc/metatrain-compress'], '/proc/metatrain-compress'],
    ['compress (nested)', ['compress', '--checkpoint', checkpoint, '--backend', 'cpu', '--out', '/proc/metatrain-c/d'], '/proc/metatrain-c/d'],
    ['run', ['run', config, '--backend', 'cpu', '--out', '/proc/metatrain-run'], '/proc/metatrain-run'],
  ];
  for (const [name, args, out] of cases) {
    const started = Date.now();
    const r = await runCli(args, {}, PROMPTLY_MS);
    assert.equal(r.code, 1, `${name}: exit ${r.code} ${r.signal ?? ''} after ${Date.now() - started} ms (a hang is killed after ${PROMPTLY_MS} ms)\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`metatrain: cannot create directory ${out}[:/].*/proc does not accept new entries`), name);
  }
});

test('run, pretrain and coordinator refuse a run directory where a file is in the way, naming --out or runtime.outDir, before anything starts', async () => {
  // Before: "ENOTDIR: not a directory, scandir 'FILE/checkpoints'" (run, coordinator) or ".../pretrained" (pretrain),
  // pretrain after reading its data.
  const dir = tempDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory\n');
  const config = writeConfig(dir, sinusoidConfig(dir));
  const inFile = writeConfig(dir, sinusoidConfig(dir, { runtime: { outDir: join(file, 'run') } }), 'in-file.yaml');
  const pretraining = writeConfig(dir, { name: 'pt', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0 }, pretraining: { steps: 1 } }, 'pretrain.yaml');
  const cases: Array<[string[], string]> = [
    [['run', config, '--backend', 'cpu', '--out', file], `--out ${file}`],
    [['run', config, '--backend', 'cpu', '--out', join(file, 'x', 'y')], `--out ${join(file, 'x', 'y')}`],
    [['pretrain', pretraining, '--backend', 'cpu', '--out', join(file, 'x')], `--out ${join(file, 'x')}`],
    [['coordinator', '--config', inFile, '--listen', '127.0.0.1:0'], `runtime.outDir ${join(file, 'run')}`],
  ];
  for (const [args, source] of cases) {
    const r = await runCli(args, { METATRAIN_TOKEN: 'secret' }, PROMPTLY_MS);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `metatrain: ${source}: ${file} is a file, not a directory; give a directory path for the run\n`);
    assert.equal(r.stdout, '');
  }
  // A symbolic link to nothing is said to be one, with its target (before: "is a file").
  const dangling = join(dir, 'dl');
  symlinkSync(join(dir, 'nowhere'), dangling);
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', dangling], {}, PROMPTLY_MS);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr, `metatrain: --out ${dangling}: ${dangling} is a symbolic link to nothing (to ${join(dir, 'nowhere')}), not a directory; give a directory path for the run\n`);
});

/** Every entry below `dir` with its bytes (undefined for a directory), to compare a directory before and after. */
function snapshot(dir: string): Map<string, string | undefined> {
  const names = (readdirSync(dir, { recursive: true }) as string[]).sort();
  return new Map(names.map((name) => [name, statSync(join(dir, name)).isDirectory() ? undefined : readFileSync(join(dir, name), 'base64')]));
}

/** Writes each of `files` (path below `dir` → text) under `dir`, creating the directories it needs. */
function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

test('a new run and pretrain refuse a run directory holding files that are not a run\'s, leaving it byte for byte, before anything starts; an empty one, or an earlier run\'s, is as before', async () => {
  // Before: the run wrote its checkpoints, logs and targets.json beside the user's files, and replaced their summary.json and report.html.
  const dir = tempDir();
  const project = join(dir, 'project');
  writeFiles(project, { 'notes.txt': 'my notes\n', 'summary.json': '{"mine": true}\n', 'src/index.ts': 'export {};\n' });
  const before = snapshot(project);
  // Not even its modification time changes (before: the lock was written there and removed, before the refusal).
  const modified = statSync(project).mtimeMs;
  const small = { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false } };
  const config = writeConfig(dir, sinusoidConfig(dir, { ...small, runtime: { workers: 1 } }));
  const inProject = writeConfig(dir, sinusoidConfig(dir, { runtime: { outDir: project } }), 'in-project.yaml');
  const pretraining = writeConfig(dir, { name: 'pt', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0 }, pretraining: { steps: 1 } }, 'pretrain.yaml');
  // The user's summary.json is named too: it is not one a run wrote.
  const advice = "holds files that are not a run's (notes.txt, src, summary.json): the run's checkpoints, logs and reports would be written there beside them, over any of the same name";
  // pretrain writes only its checkpoints (before: it said the run's checkpoints, logs and reports too).
  const pretrainAdvice = "holds files that are not a run's (notes.txt, src, summary.json): the pretraining checkpoints would be written there beside them, over any of the same name";
  const cases: Array<[string[], string]> = [
    [['run', config, '--backend', 'cpu', '--out', project], `--out ${project} ${advice}; give --out a new or empty directory, or move them elsewhere`],
    [['run', inProject, '--backend', 'cpu'], `runtime.outDir ${project} ${advice}; give runtime.outDir (or --out) a new or empty directory, or move them elsewhere`],
    [['pretrain', pretraining, '--backend', 'cpu', '--out', project], `--out ${project} ${pretrainAdvice}; give --out a new or empty directory, or move them elsewhere`],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, {}, PROMPTLY_MS);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `metatrain: ${message}\n`);
    assert.equal(r.stdout, '');
    assert.deepEqual(snapshot(project), before, args.join(' '));
    assert.equal(statSync(project).mtimeMs, modified, args.join(' '));
  }

  // An empty directory, or the top of a mounted disk (only the file system's lost+found), is accepted.
  const empty = join(dir, 'empty');
  mkdirSync(join(empty, 'lost+found'), { recursive: true });
  const run = await runCli(['run', config, '--backend', 'cpu', '--out', empty]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(existsSync(join(empty, 'checkpoints', 'step-00000002')));
  // The earlier run's directory, with a file of the user's added: a new run is told about that run, as before.
  writeFileSync(join(empty, 'notes.txt'), 'about this run\n');
  const again = await runCli(['run', config, '--backend', 'cpu', '--out', empty]);
  assert.equal(again.code, 1, again.stdout);
  assert.match(again.stderr, /holds a finished run \(succeeded at step 2, /);
});

test('a new run and pretrain refuse a run directory whose checkpoints/ or pretrained/ holds files no run writes, naming them; an earlier pretraining\'s goes on', async () => {
  // Before: only the names at the top were looked at; the run wrote its checkpoints beside the user's files.
  const dir = tempDir();
  const out = join(dir, 'out');
  mkdirSync(join(out, 'checkpoints'), { recursive: true });
  mkdirSync(join(out, 'pretrained', 'mine'), { recursive: true });
  writeFileSync(join(out, 'checkpoints', 'notes.txt'), 'my notes\n');
  writeFileSync(join(out, 'pretrained', 'mine', 'weights.bin'), 'mine\n');
  // What a killed save leaves is a run's, not the user's.
  mkdirSync(join(out, 'checkpoints', '.tmp-step-00000001-999999-1'));
  const before = snapshot(out);
  const pretraining = writeConfig(dir, { name: 'pt', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0 }, pretraining: { steps: 1 } }, 'pretrain.yaml');
  const config = writeConfig(dir, sinusoidConfig(dir));
  const writes = { run: "the run's checkpoints, logs and reports", pretrain: 'the pretraining checkpoints' };
  for (const args of [['pretrain', pretraining], ['run', config]]) {
    const r = await runCli([...args, '--backend', 'cpu', '--out', out], {}, PROMPTLY_MS);
    assert.equal(r.code, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `metatrain: --out ${out} holds files that are not a run's (checkpoints/notes.txt, pretrained/mine): ${writes[args[0] as keyof typeof writes]} would be written there beside them, over any of the same name; give --out a new or empty directory, or move them elsewhere\n`, args[0]);
    assert.deepEqual(snapshot(out), before, args[0]);
  }
  // An earlier pretraining's directory with a file of the user's added in pretrained/: pretrain finds it done, as before.
  const earlier = join(dir, 'earlier');
  const first = await runCli(['pretrain', pretraining, '--backend', 'cpu', '--out', earlier]);
  assert.equal(first.code, 0, first.stderr);
  writeFileSync(join(earlier, 'pretrained', 'notes.txt'), 'about this pretraining\n');
  const again = await runCli(['pretrain', pretraining, '--backend', 'cpu', '--out', earlier]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout + again.stderr, /pretraining already finished: step 1\/1/);
});

test('a user\'s own summary.json, report.html or logs/ alone in a directory are not taken for a run\'s; a run\'s are, without its checkpoints', async () => {
  // Before: judged by their names only, they passed, and the run replaced the summary and the page.
  const dir = tempDir();
  const mine = join(dir, 'mine');
  writeFiles(mine, {
    'summary.json': '{"run": "my experiment", "accuracy": 0.9}\n',
    'report.html': '<!DOCTYPE html>\n<title>My report</title>\n',
    'logs/notes.txt': 'my notes\n',
    'logs/worker-0.log': '',
  });
  const before = snapshot(mine);
  const small = { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false }, runtime: { workers: 1 } };
  const config = writeConfig(dir, sinusoidConfig(dir, small));
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', mine], {}, PROMPTLY_MS);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr, `metatrain: --out ${mine} holds files that are not a run's (logs/notes.txt, report.html, summary.json): the run's checkpoints, logs and reports would be written there beside them, over any of the same name; give --out a new or empty directory, or move them elsewhere\n`);
  assert.deepEqual(snapshot(mine), before);
  // A run's own summary.json, report.html, logs/ and targets.json, its checkpoints removed: a new run goes there.
  const real = join(dir, 'real');
  const first = await runCli(['run', config, '--backend', 'cpu', '--out', real]);
  assert.equal(first.code, 0, first.stderr);
  rmSync(join(real, 'checkpoints'), { recursive: true });
  assert.deepEqual(readdirSync(real).sort(), ['logs', 'report.html', 'summary.json', 'targets.json']);
  const again = await runCli(['run', config, '--backend', 'cpu', '--out', real]);
  assert.equal(again.code, 0, again.stderr);
});

test('a new run goes into the run directory of a run that failed before its first checkpoint (its summary.json, report.html, logs/ and targets.json, no checkpoints/)', async () => {
  // What a failed run leaves is a run's: a new run (the config fixed) is not refused as "holds files that are not a run's".
  const dir = tempDir();
  const out = join(dir, 'out');
  const failing = writeConfig(dir, sinusoidConfig(dir, { algorithm: { name: 'maml', innerSteps: 1, innerLr: 1e30, outerLr: 0.001, metaBatchSize: 2 }, runtime: { workers: 1, maxAttempts: 1 }, compression: { enabled: false } }), 'failing.yaml');
  const failed = await runCli(['run', failing, '--backend', 'cpu', '--out', out], {}, PROMPTLY_MS);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /training diverged/);
  assert.deepEqual(readdirSync(out).sort(), ['logs', 'report.html', 'summary.json', 'targets.json']);
  const small = { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, evaluation: { testTasks: 2 }, compression: { enabled: false }, runtime: { workers: 1 } };
  const fixed = writeConfig(dir, sinusoidConfig(dir, small), 'fixed.yaml');
  const again = await runCli(['run', fixed, '--backend', 'cpu', '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(existsSync(join(out, 'checkpoints', 'step-00000002')));
});

test('pretrain refuses a file named checkpoints or pretrained in --out before anything starts, in the sentence run says it in', async () => {
  // Before: pretrain went on beside a user's file named checkpoints (run refused it), and told of one named
  // pretrained only after reading its corpus.
  const dir = tempDir();
  const pretraining = writeConfig(dir, { name: 'pt', task: { family: 'sotu' }, model: { kind: 'transformer', layers: 0 }, pretraining: { steps: 1 } }, 'pretrain.yaml');
  const config = writeConfig(dir, sinusoidConfig(dir));
  for (const name of ['checkpoints', 'pretrained']) {
    const out = join(dir, `with-${name}`);
    mkdirSync(out);
    writeFileSync(join(out, name), 'a user file\n');
    const before = snapshot(out);
    const sentence = `metatrain: ${join(out, name)} is a file, not a directory of checkpoints: move it elsewhere, or give the run another directory\n`;
    for (const args of [['pretrain', pretraining], ['run', config]]) {
      const r = await runCli([...args, '--backend', 'cpu', '--out', out], {}, PROMPTLY_MS);
      assert.equal(r.code, 1, `${args[0]} ${name}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr, sentence, `${args[0]} ${name}`);
      assert.equal(r.stdout, '', `${args[0]} ${name}`);
      assert.deepEqual(snapshot(out), before, `${args[0]} ${name}`);
    }
  }
});

test('compress refuses an --out it could not publish to (a file or a device in the way, a directory holding other files) before compressing, saying what is there', async () => {
  // Before: a file in the way failed with "ENOTDIR: not a directory, open 'FILE/compression.json'", and a directory
  // holding other files (e.g. `--out .`) failed only after the whole compression, renaming over it (ENOTEMPTY).
  const dir = tempDir();
  const checkpoint = await writeTeacherCheckpoint(textRun(dir));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory\n');
  const busy = join(dir, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'notes.txt'), 'keep me\n');
  const dangling = join(dir, 'dangling');
  symlinkSync(join(dir, 'nowhere'), dangling);
  // An empty directory, as adapt refuses it (before: replaced by the result, its mode 700 became 755).
  const empty = join(dir, 'empty');
  mkdirSync(empty, { mode: 0o700 });
  const cases: Array<[string, string]> = [
    [file, `--out ${file}: ${file} is a file, not a directory; give a directory path with --out`],
    [empty, `--out ${empty}: ${empty} already exists (empty, but the result is a new directory renamed to this path: it would replace this one and its permissions, and cannot replace a mount point); remove it, or choose a new --out directory`],
    [join(file, 'x'), `--out ${join(file, 'x')}: ${file} is a file, not a directory; give a directory path with --out`],
    [busy, `--out ${busy}: ${busy} already exists and holds other files (notes.txt); choose a new --out directory`],
    ['/dev/null', '--out /dev/null: /dev/null is a character device, not a directory; give a directory path with --out'],
    [dangling, `--out ${dangling}: a symbolic link to ${join(dir, 'nowhere')}; compress writes a new directory in its place by renaming, so the link would be replaced (or the write fail) instead of the result landing in ${join(dir, 'nowhere')}: give the real directory's path with --out (--out ${join(dir, 'nowhere')})`],
  ];
  for (const [out, message] of cases) {
    const r = await runCli(['compress', '--checkpoint', checkpoint, '--backend', 'cpu', '--out', out], {}, PROMPTLY_MS);
    assert.equal(r.code, 1, `${out}: ${r.stderr}`);
    assert.equal(r.stderr, `metatrain: ${message}\n`);
  }
  assert.deepEqual(readdirSync(busy), ['notes.txt']);
  assert.equal(statSync(empty).mode & 0o777, 0o700);
});

test('adapt and import-hf refuse an --out that exists or that a file is in the way of (it or a parent), naming the file, in one wording', async () => {
  // Before: a file above --out failed with "ENOTDIR: not a directory, stat 'FILE/x'", and the two commands worded the
  // rest apart ("DIR already exists: choose a new --out directory", "--out DIR already exists: choose a new directory").
  const dir = tempDir();
  const checkpoint = await writeTeacherCheckpoint(textRun(dir));
  const data = join(dir, 'user.jsonl');
  writeFileSync(data, `${['a', 'b', 'c'].flatMap((label) => [1, 2].map((i) => JSON.stringify({ text: `${label} example ${i}`, label }))).join('\n')}\n`);
  const hf = writeTinyHfBert(join(dir, 'hf'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory\n');
  const busy = join(dir, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'notes.txt'), 'keep me\n');
  const cases: Array<[string, string]> = [
    [join(file, 'x'), `${file} is a file, not a directory`],
    [join(file, 'x', 'y'), `${file} is a file, not a directory`],
    [file, `${file} is a file, not a directory`],
    [busy, `${busy} already exists`],
  ];
  for (const [command, args] of [['adapt', ['--checkpoint', checkpoint, '--data', data, '--backend', 'cpu']], ['import-hf', [hf]]] as const) {
    for (const [out, problem] of cases) {
      const r = await runCli([command, ...args, '--out', out], {}, PROMPTLY_MS);
      assert.equal(r.code, 1, `${command} --out ${out}: ${r.stderr}`);
      assert.equal(r.stderr, `metatrain: --out ${out}: ${problem}; choose a new --out directory\n`, `${command} --out ${out}`);
    }
  }
  assert.deepEqual(readdirSync(busy), ['notes.txt']);
  assert.equal(readFileSync(file, 'utf8'), 'not a directory\n');
});

test('adapt and compress refuse an --out that is a symbolic link (to a directory or to nothing) before any work, naming the link and its target, and suggest no path that exists', async () => {
  // Before: the result was renamed over the link (compress into a link to an empty directory: the directory stayed
  // empty), or the rename failed with ENOTDIR after all the work.
  const dir = tempDir();
  const checkpoint = await writeTeacherCheckpoint(textRun(dir));
  const data = join(dir, 'user.jsonl');
  writeFileSync(data, `${['a', 'b', 'c'].flatMap((label) => [1, 2].map((i) => JSON.stringify({ text: `${label} example ${i}`, label }))).join('\n')}\n`);
  mkdirSync(join(dir, 'real'));
  symlinkSync('real', join(dir, 'to-real'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'to-nothing'));
  for (const [command, args] of [['adapt', ['--data', data]], ['compress', []]] as const) {
    for (const [link, target] of [['to-real', 'real'], ['to-nothing', 'nowhere']]) {
      const out = join(dir, link!);
      const r = await runCli([command, '--checkpoint', checkpoint, ...args, '--backend', 'cpu', '--out', out], {}, PROMPTLY_MS);
      assert.equal(r.code, 1, `${command} ${link}: ${r.stderr}`);
      const real = join(dir, target!);
      // Before, the existing directory was suggested too (--out DIR/real), which adapt refuses as existing.
      const instead = existsSync(real) ? `give --out the real path of a directory that does not exist yet; ${real} exists` : `give the real directory's path with --out (--out ${real})`;
      assert.equal(r.stderr, `metatrain: --out ${out}: a symbolic link to ${real}; ${command} writes a new directory in its place by renaming, so the link would be replaced (or the write fail) instead of the result landing in ${real}: ${instead}\n`);
    }
  }
  assert.deepEqual(readdirSync(join(dir, 'real')), []);
  assert.equal(existsSync(join(dir, 'nowhere')), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no staging directory or lock left');
});

test('run still writes through an --out that is a symbolic link to a directory', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'real'));
  symlinkSync('real', join(dir, 'link'));
  const config = writeConfig(dir, sinusoidConfig(dir, { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 } }));
  const r = await runCli(['run', config, '--backend', 'cpu', '--out', join(dir, 'link')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'real', 'summary.json')), 'the run wrote into the directory the link points to');
});

test('run refuses a <run dir>/compressed that is a symbolic link before it starts, naming it and its target', async () => {
  // Before: after the whole run, the compression stage failed three times renaming over the link ("compression
  // failed after 3 attempts: … ENOTDIR"), or took a result where the link points as its own; compress --out refused
  // such a link at once.
  const dir = tempDir();
  mkdirSync(join(dir, 'run'), { recursive: true });
  mkdirSync(join(dir, 'elsewhere'));
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'run', 'compressed'));
  const config = writeConfig(dir, sinusoidConfig(dir));
  const r = await runCli(['run', config, '--backend', 'cpu'], {}, PROMPTLY_MS);
  assert.equal(r.code, 1, r.stderr);
  const link = join(dir, 'run', 'compressed');
  assert.equal(
    r.stderr,
    `metatrain: the result directory ${link}: a symbolic link to ${join(dir, 'elsewhere')}; run writes a new directory in its place by renaming, so the link would be replaced (or the write fail) instead of the result landing in ${join(dir, 'elsewhere')}: remove the link, or set compression.enabled: false and compress afterwards with metatrain compress --out DIR\n`,
  );
  assert.deepEqual(readdirSync(join(dir, 'run')), ['compressed'], 'nothing written');
  // Without the compression stage the link is not written to, and the run goes ahead.
  const uncompressed = writeConfig(dir, sinusoidConfig(dir, { compression: { enabled: false }, training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 } }), 'uncompressed.yaml');
  const ran = await runCli(['run', uncompressed, '--backend', 'cpu']);
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(readdirSync(join(dir, 'elsewhere')), []);
});

test('run refuses a <run dir>/compressed that is a file, holds other files or an earlier run\'s compression before it starts, saying what is there and what to do', async () => {
  // Before: the run trained and evaluated, then its compression failed three times (ENOTDIR, ENOTEMPTY) and it
  // exited 1 after all that work.
  const dir = tempDir();
  const run = join(dir, 'run');
  const compressed = join(run, 'compressed');
  mkdirSync(run);
  const config = writeConfig(dir, sinusoidConfig(dir));
  const where = `metatrain: the result directory ${compressed} (where the run publishes its compressed model)`;
  const advice = 'set compression.enabled: false and compress afterwards with metatrain compress --out DIR';
  writeFileSync(compressed, 'not a directory\n');
  const file = await runCli(['run', config, '--backend', 'cpu'], {}, PROMPTLY_MS);
  assert.equal(file.code, 1, file.stderr);
  assert.equal(file.stderr, `${where}: ${compressed} is a file, not a directory; remove it, or ${advice}\n`);
  rmSync(compressed);
  mkdirSync(compressed);
  writeFileSync(join(compressed, 'notes.txt'), 'keep me\n');
  const others = await runCli(['run', config, '--backend', 'cpu'], {}, PROMPTLY_MS);
  assert.equal(others.code, 1, others.stderr);
  assert.equal(others.stderr, `${where}: ${compressed} already exists and holds other files (notes.txt); move them elsewhere, or ${advice}\n`);
  rmSync(join(compressed, 'notes.txt'));
  const earlier = join(dir, 'gone', 'checkpoints', 'step-00000008');
  writeFileSync(join(compressed, 'compression.json'), 'null\n');
  const junk = await runCli(['run', config, '--backend', 'cpu'], {}, PROMPTLY_MS);
  assert.equal(junk.code, 1, junk.stderr);
  assert.equal(junk.stderr, `metatrain: ${join(compressed, 'compression.json')} is not a compression report (Invalid input: expected object, received null): move ${compressed} elsewhere or remove it\n`);
  writeFileSync(join(compressed, 'compression.json'), `${JSON.stringify({ format: 'metatrain-compression-report', jobId: 'compress-test-run-s8-0123456789ab', run: 'test-run', checkpoint: earlier, step: 8 })}\n`);
  const previous = await runCli(['run', config, '--backend', 'cpu'], {}, PROMPTLY_MS);
  assert.equal(previous.code, 1, previous.stderr);
  assert.equal(previous.stderr, `${where} already holds the compression of ${earlier} (step 8), an earlier run's (this one has no checkpoint yet); a new run does not replace it: move it elsewhere or remove it\n`);
  assert.deepEqual(readdirSync(run), ['compressed'], 'nothing written');
  assert.deepEqual(readdirSync(compressed), ['compression.json']);
});

test('a resumed run refuses at once a <run dir>/compressed holding a compression it would not replace (another run\'s or config\'s)', async () => {
  // Before: it trained on and evaluated, then its compression failed over that directory and the run exited 1.
  const dir = tempDir();
  const quick = { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, runtime: { workers: 1 } };
  const first = await runCli(['run', writeConfig(dir, sinusoidConfig(dir, { ...quick, compression: { enabled: false } })), '--backend', 'cpu']);
  assert.equal(first.code, 0, first.stderr);
  const compressed = join(dir, 'run', 'compressed');
  const foreign = join(dir, 'other', 'checkpoints', 'step-00000008');
  mkdirSync(compressed);
  writeFileSync(join(compressed, 'compression.json'), `${JSON.stringify({ format: 'metatrain-compression-report', jobId: 'compress-other-s8-0123456789ab', run: 'other', checkpoint: foreign, step: 8 })}\n`);
  const longer = writeConfig(dir, sinusoidConfig(dir, { ...quick, training: { ...quick.training, maxSteps: 4 } }), 'longer.yaml');
  const resumed = await runCli(['run', longer, '--backend', 'cpu', '--resume'], {}, PROMPTLY_MS);
  assert.equal(resumed.code, 1, resumed.stderr);
  assert.equal(
    resumed.stderr,
    `metatrain: the result directory ${compressed} (where the run publishes its compressed model) already holds the compression of ${foreign} (step 8, job compress-other-s8-0123456789ab), not one of this run's checkpoints with this config; the run would not replace it: move it elsewhere or remove it\n`,
  );
  assert.deepEqual(readdirSync(join(dir, 'run', 'checkpoints')).filter((e) => e.startsWith('step-')).sort(), ['step-00000001', 'step-00000002'], 'no step ran');
});

test('run refuses a <run dir>/compressed whose compression.json is a symbolic link, to nothing or to a report, before it starts, naming it', async () => {
  // Before: a link to nothing counted as no compression; the run trained, evaluated and compressed, then failed to
  // publish its result over the directory (ENOTEMPTY) after all that work.
  const dir = tempDir();
  const compressed = join(dir, 'run', 'compressed');
  mkdirSync(compressed, { recursive: true });
  const report = join(compressed, 'compression.json');
  const config = writeConfig(dir, sinusoidConfig(dir));
  const real = join(dir, 'report.json');
  writeFileSync(real, `${JSON.stringify({ format: 'metatrain-compression-report', jobId: 'compress-test-run-s8-0123456789ab', run: 'test-run', checkpoint: join(dir, 'gone'), step: 8 })}\n`);
  for (const [target, why] of [[join(dir, 'gone.json'), `a symbolic link to ${join(dir, 'gone.json')}, which does not exist`], [real, `a symbolic link to ${real}`]] as const) {
    symlinkSync(target, report);
    const r = await runCli(['run', config, '--backend', 'cpu'], {}, PROMPTLY_MS);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `metatrain: ${report} is not a compression report (${why}; a compression writes its report as a regular file): move ${compressed} elsewhere or remove it\n`);
    assert.deepEqual(readdirSync(join(dir, 'run')), ['compressed'], 'nothing written');
    rmSync(report);
  }
});

test('a resumed run refuses at once its own compression when a file it lists is damaged, or files it does not list are beside it, naming them; nothing is removed', async () => {
  // Before: a resumed run reused its own damaged compression as its result, or, resumed to go further, replaced it
  // at the end and removed the files put beside it by hand.
  const dir = tempDir();
  const quick = { training: { maxSteps: 2, evalEverySteps: 1, checkpointEverySteps: 1 }, runtime: { workers: 1 }, compression: { distillSteps: 6, pruneSteps: 10, recoverySteps: 4, evalTasks: 6 } };
  const config = writeConfig(dir, sinusoidConfig(dir, quick));
  const first = await runCli(['run', config, '--backend', 'cpu']);
  assert.equal(first.code, 0, first.stderr);
  const compressed = join(dir, 'run', 'compressed');
  const report = JSON.parse(readFileSync(join(compressed, 'compression.json'), 'utf8')) as { checkpoint: string; step: number; files: Record<string, { bytes: number }> };
  const onnx = join(compressed, 'model.onnx');
  const original = readFileSync(onnx);
  truncateSync(onnx, 10);
  const damaged = await runCli(['run', config, '--backend', 'cpu', '--resume'], {}, PROMPTLY_MS);
  assert.equal(damaged.code, 1, damaged.stderr);
  assert.equal(
    damaged.stderr,
    `metatrain: ${compressed} holds the compression of ${report.checkpoint} (step ${report.step}), but damaged: truncated: model.onnx holds 10 bytes, compression.json says ${report.files['model.onnx']!.bytes}; it was left as it is and not reused: remove ${compressed} to compress again\n`,
  );
  assert.equal(readFileSync(onnx).length, 10, 'left as it is');
  writeFileSync(onnx, original);
  writeFileSync(join(compressed, 'notes.txt'), 'keep me\n');
  const longer = writeConfig(dir, sinusoidConfig(dir, { ...quick, training: { ...quick.training, maxSteps: 4 } }), 'longer.yaml');
  const beside = await runCli(['run', longer, '--backend', 'cpu', '--resume'], {}, PROMPTLY_MS);
  assert.equal(beside.code, 1, beside.stderr);
  assert.equal(
    beside.stderr,
    `metatrain: ${compressed} holds, besides the compression of ${report.checkpoint} (step ${report.step}), files its compression.json does not list (notes.txt), which replacing that compression would remove; it was left as it is: move them elsewhere\n`,
  );
  assert.equal(readFileSync(join(compressed, 'notes.txt'), 'utf8'), 'keep me\n');
  assert.deepEqual(readdirSync(join(dir, 'run', 'checkpoints')).filter((e) => e.startsWith('step-')).sort(), ['step-00000001', 'step-00000002'], 'no step ran');
});

test('compress into <run dir>/compressed is refused while a run writes that run directory, naming the run', async () => {
  // Before: it compressed an earlier checkpoint into the run's result directory, and the run then took that as its
  // own compression and reported success.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { runtime: { workers: 1 }, training: { maxSteps: 100_000, evalEverySteps: 1000, checkpointEverySteps: 1, keepCheckpoints: 1000 } }));
  const first = startCli(['run', config, '--backend', 'cpu']);
  const checkpoint = join(dir, 'run', 'checkpoints', 'step-00000001');
  try {
    await waitForOutput(first, (text) => text.includes('coordinator on'));
    while (!existsSync(join(checkpoint, 'manifest.json'))) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const out of [[], ['--out', join(dir, 'run', 'compressed')]]) {
      const r = await runCli(['compress', '--checkpoint', checkpoint, '--backend', 'cpu', ...out], {}, PROMPTLY_MS);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^metatrain: run directory ${join(dir, 'run')} is in use by another metatrain process \\(pid ${first.pid}, \`metatrain run ${config} --backend cpu\`, since .*\\): wait for it to end or stop it`));
    }
    assert.equal(existsSync(join(dir, 'run', 'compressed')), false);
  } finally {
    first.kill('SIGTERM');
    await waitExit(first);
  }
});

test('a second run of the same run directory is refused while the first runs, naming it; the lock goes when the first ends', async () => {
  // Before: both ran, interleaving checkpoints, logs and summary.json, until one failed renaming a checkpoint.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir, { runtime: { workers: 1 }, training: { maxSteps: 100_000, evalEverySteps: 1000, checkpointEverySteps: 1000 } }));
  const first = startCli(['run', config, '--backend', 'cpu']);
  try {
    await waitForOutput(first, (text) => text.includes('coordinator on'));
    const second = await runCli(['run', config, '--backend', 'cpu', '--resume'], {}, PROMPTLY_MS);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`^metatrain: run directory ${join(dir, 'run')} is in use by another metatrain process \\(pid ${first.pid}, \`metatrain run ${config} --backend cpu\`, since .*\\): wait for it to end or stop it`));
  } finally {
    first.kill('SIGTERM');
    await waitExit(first);
  }
  assert.equal(existsSync(join(dir, 'run', '.lock')), false);
});

test('metatrain run refused (here: --resume with no checkpoint) leaves none of the directories of its --out, parents included', async () => {
  // `run` creates --out with its missing parents (mkdir -p) to lock it, after its checks, and a refusal once it holds
  // the lock removes them; here, refused by its checks, it creates none.
  const dir = tempDir();
  const config = writeConfig(dir, sinusoidConfig(dir));
  const out = join(dir, 'missing', 'parents', 'run');
  const r = await runCli(['run', config, '--out', out, '--resume'], {}, PROMPTLY_MS);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /no checkpoint to resume/);
  assert.equal(existsSync(join(dir, 'missing')), false, 'no directory is left behind');
});
