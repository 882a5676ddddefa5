/** `metatrain pretrain CONFIG`: masked-language-model pretraining of a run's encoder body (src/pretrain). */
import type { Command } from 'commander';
import { pathOption } from './options';
import { loadRunConfig, parseRunConfig } from '../core/config';
import { initBackend } from '../model/backend';
import { assertConfigInputsReadable } from '../core/config-inputs';
import { assertRunDirectoryPath } from './run-directory-path';
import { assertOnlyRunFiles } from './run-directory-files';
import { assertNoLinksInRunDirectory } from './run-directory-links';
import { lockRunDirectoryAfter } from './run-directory-lock';
import { backendOption } from './backend-option';
import { onCheckpointingStop, signalExitCode } from './exit-codes';
import { runPretrainingStage } from './pretraining-stage';
import { assertModelSizeFits } from './model-size-limits';

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('pretrain')
    .description('pretrain the encoder with masked-language modelling on the meta-train text (and pretraining.texts); start meta-training from it with model.init: pretrained')
    .argument('<config>', 'run config (YAML) with a pretraining section')
    .addOption(backendOption('tfjs backend', '(overrides runtime.backend)'))
    .option('--out <dir>', 'run directory (overrides runtime.outDir); checkpoints go to DIR/pretrained', pathOption('--out'))
    .action(async (file: string, o: { backend?: string; out?: string }) => {
      const base = await loadRunConfig(file);
      const config = parseRunConfig({ ...base, runtime: { ...base.runtime, ...(o.backend ? { backend: o.backend } : {}), ...(o.out ? { outDir: o.out } : {}) } });
      assertConfigInputsReadable(config);
      assertRunDirectoryPath(config, o.out);
      assertModelSizeFits(config, 'pretrain');
      await lockRunDirectoryAfter(config, async () => {
        assertNoLinksInRunDirectory(config, 'pretrain', o.out);
        await assertOnlyRunFiles(config, 'pretrain', o.out);
      });
      await initBackend(config.runtime.backend);
      let stopping = false;
      let stepCompleted = false;
      const signals = onCheckpointingStop(
        () => stepCompleted,
        () => {
          stopping = true;
        },
      );
      const result = await runPretrainingStage(config, { stopping: () => stopping, onStep: () => (stepCompleted = true) });
      if (result.step < config.pretraining!.steps) {
        process.stderr.write(`stopped at step ${result.step}; run the same command again to continue\n`);
        process.exit(signalExitCode(signals.received ?? 'SIGINT'));
      }
    });
}
