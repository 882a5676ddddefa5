/**
 * The `metatrain` command. One thin file per subcommand (parsing and printing only), each exporting
 * `register(program)`.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ignoreClosedReader } from '../core/closed-reader';
import { packageFile } from '../core/package-root';
import { register as registerRun } from './run';
import { register as registerCoordinator } from './coordinator';
import { register as registerWorker } from './worker';
import { register as registerPretrain } from './pretrain';
import { register as registerImportHf } from './import-hf';
import { register as registerAdapt } from './adapt';
import { register as registerPredict } from './predict';
import { register as registerCompress } from './compress';
import { register as registerCompressor } from './compressor';
import { register as registerWatch } from './watch';
import { register as registerLaunch } from './launch';
import { register as registerScale } from './scale';
import { register as registerStatus } from './status';
import { register as registerStop } from './stop';

// `metatrain … | head`: output after the reader has gone is dropped, and the command carries on (src/core/closed-reader.ts).
ignoreClosedReader(process.stdout);
ignoreClosedReader(process.stderr);

const program = new Command('metatrain')
  .description('Distributed meta-training (MAML family) of few-shot Transformers, with compression and Kubernetes deployment')
  .showHelpAfterError()
  .version((JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version);

const subcommands = [registerRun, registerPretrain, registerImportHf, registerAdapt, registerPredict, registerCoordinator, registerWorker, registerCompress, registerCompressor, registerLaunch, registerScale, registerStatus, registerStop, registerWatch];
for (const register of subcommands) register(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`metatrain: ${err.message}\n`);
  process.exit(1);
});
