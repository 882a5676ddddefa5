/** `metatrain import-hf HF_DIR --out DIR`: a Hugging Face BERT checkpoint as a `bert` pretrained checkpoint (src/hf). */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { compressionRefusal } from '../compress/compressible-model';
import { importHfBert, modelYaml } from '../hf';
import { MAX_MAX_LENGTH, MIN_MAX_LENGTH, maxLengthProblem } from '../model/model-config';
import { boundedInt, pathOption } from './options';
import { refuseLinkedOutDirectory } from './out-directory';
import { onStopWritingNothing } from './stop-writing-nothing';

/** `--max-length`'s bounds: those of a bert's `model.maxLength`, 3..4,096 (at most max_position_embeddings is checked on reading config.json). */
const maxLengthRange = boundedInt(MIN_MAX_LENGTH.bert, MAX_MAX_LENGTH);

/**
 * Parses `--max-length`: an integer that leaves a bert model room for text (at least 3: CLS, a token, SEP) and that
 * `model.maxLength` takes (at most 4,096).
 * @throws InvalidArgumentError (commander prefixes the flag) naming model.maxLength, the kind, the minimum and the
 *   value for digits below 3; else as {@link boundedInt}: `too large: expected an integer 3..4,096, got "5000"`.
 */
function bertMaxLength(value: string): number {
  const problem = /^[0-9]+$/.test(value) ? maxLengthProblem('bert', Number(value)) : undefined;
  if (problem) throw new InvalidArgumentError(problem);
  return maxLengthRange(value);
}

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('import-hf')
    .description('import a Hugging Face BERT checkpoint (config.json, model.safetensors, tokenizer.json) as a checkpoint directory for model.init, and print the model section of a run config')
    .argument('<hf-dir>', 'directory holding config.json, model.safetensors (F32) and tokenizer.json')
    .requiredOption('--out <dir>', 'checkpoint directory to create', pathOption('--out'))
    .option('--max-length <n>', 'tokens per example, CLS and SEP included (model.maxLength); 3..4,096, and at most max_position_embeddings (default: 128 or less)', bertMaxLength)
    .action(async (hfDir: string, o: { out: string; maxLength?: number }) => {
      onStopWritingNothing('import-hf', resolve(o.out));
      refuseLinkedOutDirectory(o.out, 'import-hf', true);
      const imported = await importHfBert(hfDir, o.out, { maxLength: o.maxLength });
      const c = imported.config;
      process.stderr.write(`imported ${hfDir}: bert, ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, vocab ${c.vocab_size}, ${imported.params} body parameters → ${imported.dir}\n`);
      process.stderr.write(`put this model section in a run config; ${compressionRefusal('bert')}: set compression.enabled: false\n`);
      process.stdout.write(modelYaml(imported.model));
    });
}
