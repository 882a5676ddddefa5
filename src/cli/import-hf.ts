/** `metatrain import-hf HF_DIR --out DIR`: a Hugging Face BERT checkpoint as a `bert` pretrained checkpoint (src/hf). */
import type { Command } from 'commander';
import { importHfBert, modelYaml } from '../hf';
import { pathOption, positiveInt } from './options';
import { refuseLinkedOutDirectory } from './out-directory';

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('import-hf')
    .description('import a Hugging Face BERT checkpoint (config.json, model.safetensors, tokenizer.json) as a checkpoint directory for model.init, and print the model section of a run config')
    .argument('<hf-dir>', 'directory holding config.json, model.safetensors (F32) and tokenizer.json')
    .requiredOption('--out <dir>', 'checkpoint directory to create', pathOption('--out'))
    .option('--max-length <n>', 'tokens per example (model.maxLength); at most max_position_embeddings (default: 128 or less)', positiveInt)
    .action(async (hfDir: string, o: { out: string; maxLength?: number }) => {
      refuseLinkedOutDirectory(o.out, 'import-hf', true);
      const imported = await importHfBert(hfDir, o.out, { maxLength: o.maxLength });
      const c = imported.config;
      process.stderr.write(`imported ${hfDir}: bert, ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, vocab ${c.vocab_size}, ${imported.params} body parameters → ${imported.dir}\n`);
      process.stderr.write('put this model section in a run config (and compression.enabled: false: compression does not handle bert yet):\n');
      process.stdout.write(modelYaml(imported.model));
    });
}
