import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { commandAgain, unrepeatableArgument } from '../../src/cli/command-again';
import { shellWord } from '../../src/core/shell-word';
import { positiveInt, seconds } from '../../src/cli/options';
import { tempDir } from '../support/harness';

/** A command declared as `metatrain run` is, parsed from `argv`; resolves with the command line it would repeat (as run.ts builds it). */
function again(argv: string[]): string {
  let line = '';
  const program = new Command('metatrain').exitOverride();
  program
    .command('run')
    .argument('<config>')
    .option('--workers <n>', 'workers', positiveInt)
    .option('--backend <name>', 'backend')
    .option('--out <dir>', 'run directory')
    .option('--resume', 'resume', false)
    .option('--linger-seconds <s>', 'linger', seconds, 0)
    .action((file: string, _o: unknown, command: Command) => {
      line = commandAgain(command, [unrepeatableArgument(file, 'config') ?? file], ['--resume']);
    });
  program.parse(argv, { from: 'user' });
  return line;
}

test('the command line repeated in a hint holds every option given on the command line, and no default', () => {
  assert.equal(again(['run', 'run.yaml']), 'metatrain run run.yaml');
  assert.equal(again(['run', 'run.yaml', '--resume', '--workers', '3', '--linger-seconds', '0']), 'metatrain run run.yaml --workers 3 --linger-seconds 0');
  assert.equal(again(['run', '--out=/data/runs/a', 'run.yaml', '--backend', 'cpu']), 'metatrain run run.yaml --backend cpu --out /data/runs/a');
});

test('the command line repeated in a hint quotes the words a shell would split or expand, and a shell reads them back as given', () => {
  const line = again(['run', "my run's.yaml", '--out', 'runs/$HOME *']);
  assert.equal(line, `metatrain run 'my run'\\''s.yaml' --out 'runs/$HOME *'`);
  const words = execFileSync('sh', ['-c', `printf '%s\\n' ${line}`]).toString().split('\n').slice(0, -1);
  assert.deepEqual(words, ['metatrain', 'run', "my run's.yaml", '--out', 'runs/$HOME *']);
  assert.equal(shellWord(''), "''");
  assert.equal(shellWord('a-b_c/d.e:f=1,2@3%4+5'), 'a-b_c/d.e:f=1,2@3%4+5');
});

test('a config argument that names a file descriptor (a pipe, standard input) is repeated as a placeholder, with why', () => {
  for (const path of ['/dev/fd/63', '/proc/self/fd/63', '/proc/thread-self/fd/5', '/proc/1234/fd/7', '/dev/fd/../fd/63']) {
    assert.deepEqual(unrepeatableArgument(path, 'config'), { placeholder: '<the same config>', note: `the config came from a pipe, ${path}, which cannot be read again` }, path);
  }
  for (const path of ['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']) {
    assert.equal(unrepeatableArgument(path, 'config')?.note, `the config came from standard input, ${path}, which cannot be read again`, path);
  }
  for (const path of ['run.yaml', '/dev/fd', '/dev/fd/63/x', '/proc/self/fdinfo/3', 'dev/fd/63', '/etc/dev/fd/63']) assert.equal(unrepeatableArgument(path, 'config'), undefined, path);
  // The placeholder is written as it is (not quoted), the options after it as usual.
  assert.equal(again(['run', '/dev/fd/63', '--out', 'my runs', '--resume']), "metatrain run <the same config> --out 'my runs'");
});

test('a config argument that is not a regular file (a named pipe) is repeated as a placeholder, with why, as a descriptor is', () => {
  // Before: `mkfifo c.yaml; metatrain run c.yaml` printed `continue with: metatrain run c.yaml --resume`, which waits
  // for a writer that is gone, with no note; `<(…)` got one.
  const dir = tempDir();
  const fifo = join(dir, 'c.yaml');
  execFileSync('mkfifo', [fifo]);
  assert.deepEqual(unrepeatableArgument(fifo, 'config'), { placeholder: '<the same config>', note: `the config came from a pipe, ${fifo}, which cannot be read again` });
  assert.equal(again(['run', fifo, '--workers', '2']), 'metatrain run <the same config> --workers 2');
  assert.equal(unrepeatableArgument('/dev/null', 'config')?.note, 'the config came from a character device, /dev/null, which cannot be read again');
  // A regular file, and a path that names nothing, are repeated as they are.
  const regular = join(dir, 'run.yaml');
  writeFileSync(regular, 'name: demo\n');
  assert.equal(unrepeatableArgument(regular, 'config'), undefined);
  assert.equal(again(['run', regular]), `metatrain run ${regular}`);
  assert.equal(unrepeatableArgument(join(dir, 'gone.yaml'), 'config'), undefined);
});

test('the command line repeated in a hint shows a --nats password or token as …, as every message does', () => {
  // Before, `metatrain watch` of an ended run printed its follow-up command with the password as given (a trial).
  let line = '';
  const program = new Command('metatrain').exitOverride();
  program
    .command('watch')
    .argument('<run>')
    .option('--nats <url>', 'NATS')
    .action((run: string, _o: unknown, command: Command) => {
      line = commandAgain(command, [run]);
    });
  program.parse(['watch', 'r', '--nats', 'nats://alice:p%40ss@h:4222,nats://mytoken@g'], { from: 'user' });
  assert.equal(line, "metatrain watch r --nats 'nats://alice:…@h:4222,nats://…@g'");
});
