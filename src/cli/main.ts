/**
 * The `metatrain` command. One thin file per subcommand (parsing and printing only), each exporting
 * `register(program)`. Only the subcommand named on the command line is loaded (each pulls in its own libraries:
 * tfjs, gRPC, NATS, @kubernetes/client-node, which together take about a second to load); `--version` none;
 * help, a misspelt command or none loads them all.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ignoreClosedReader } from '../core/closed-reader';
import { packageFile } from '../core/package-root';
// `metatrain … | head`: output after the reader has gone is dropped, and the command carries on (src/core/closed-reader.ts).
ignoreClosedReader(process.stdout);
ignoreClosedReader(process.stderr);

const program = new Command('metatrain')
  .description('Distributed meta-training (MAML family) of few-shot Transformers, with compression and Kubernetes deployment')
  .showHelpAfterError()
  .version((JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version);

/** Each subcommand's module, in the order help lists them. */
const subcommands: Record<string, () => Promise<{ register(program: Command): void }>> = {
  run: () => import('./run.js'),
  pretrain: () => import('./pretrain.js'),
  'import-hf': () => import('./import-hf.js'),
  adapt: () => import('./adapt.js'),
  predict: () => import('./predict.js'),
  coordinator: () => import('./coordinator.js'),
  worker: () => import('./worker.js'),
  compress: () => import('./compress.js'),
  compressor: () => import('./compressor.js'),
  launch: () => import('./launch.js'),
  scale: () => import('./scale.js'),
  status: () => import('./status.js'),
  stop: () => import('./stop.js'),
  watch: () => import('./watch.js'),
};

/**
 * The command line to parse: `metatrain help NAME` for a NAME that is no command is parsed as `metatrain NAME`, so
 * that it is refused the same way (`error: unknown command 'NAME'`, a suggestion, the commands, exit 1); commander's
 * help command showed the general help alone, without saying that NAME is unknown. (`metatrain help help` is then
 * `metatrain help`: the general help.)
 */
function commandLine(argv: readonly string[]): string[] {
  const [named, asked] = argv.slice(2);
  if (named !== 'help' || asked === undefined || asked.startsWith('-') || Object.hasOwn(subcommands, asked)) return [...argv];
  return [...argv.slice(0, 2), ...argv.slice(3)];
}

async function main(): Promise<void> {
  const argv = commandLine(process.argv);
  const named = argv[2];
  const version = named === '-V' || named === '--version';
  const chosen = named !== undefined && Object.hasOwn(subcommands, named) ? [named] : version ? [] : Object.keys(subcommands);
  for (const name of chosen) (await subcommands[name]!()).register(program);
  await program.parseAsync(argv);
}

main().catch((err: Error) => {
  process.stderr.write(`metatrain: ${err.message}\n`);
  process.exit(1);
});
