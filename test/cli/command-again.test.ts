import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { commandAgain, shellWord } from '../../src/cli/command-again';
import { positiveInt, seconds } from '../../src/cli/options';

/** A command declared as `metatrain run` is, parsed from `argv`; resolves with the command line it would repeat. */
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
      line = commandAgain(command, [file], ['--resume']);
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
