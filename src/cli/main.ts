/**
 * The `metatrain` command. One thin file per subcommand (parsing and printing only), each exporting
 * `register(program)`.
 */
import { Command } from 'commander';
import { register as registerRun } from './run';
import { register as registerCoordinator } from './coordinator';
import { register as registerWorker } from './worker';

const program = new Command('metatrain')
  .description('Distributed meta-training (MAML family) of few-shot Transformers, with compression and Kubernetes deployment')
  .showHelpAfterError()
  .version(require('../../../package.json').version as string);

for (const register of [registerRun, registerCoordinator, registerWorker]) register(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`metatrain: ${err.message}\n`);
  process.exit(1);
});
