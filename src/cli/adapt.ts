/** `metatrain adapt --checkpoint DIR --data user.jsonl --out DIR`: personalize a meta-initialization for one user. */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DatasetError } from '../core/errors';
import { encodeSafetensors } from '../core/safetensors';
import { checkCanCreateDirectory, outDirectoryInTheWay, publishDirectory, removeDeadTemporaries } from '../core/durable-fs';
import { initBackend, type BackendName } from '../model/backend';
import { createModel } from '../model/create-model';
import { textTokenizerFor } from '../model/text-tokenizer';
import { ADAPTED_PARAMS_FILE, ADAPTED_REPORT_FILE, ADAPTED_TOKENIZER_FILE } from '../meta/adapted-model';
import { readTokenizerBytes } from '../model/hf-tokenizer';
import { algorithms } from '../meta/algorithm';
import { DEFAULT_MAX_STEPS, personalizableLabels, personalize } from '../meta/personalize';
import { jsonlSourceName, loadLabelledJsonl, type LabelledExample } from '../tasks/jsonl';
import { dataSource, STDIN_DATA_HELP } from './data-option';
import { countOf } from '../core/count-words';
import { findTokenless } from './tokenless-warning';
import { boundedInt, pathOption } from './options';
import { refuseLinkedOutDirectory } from './out-directory';
import { onStopWritingNothing } from './stop-writing-nothing';
import { MAX_ADAPT_STEPS } from '../core/config-fields';
import { backendOption } from './backend-option';
import { assertTextClassifier, loadInitialization } from './meta-initialization';
import { adaptStartLine, chanceWarning } from './adapt-messages';

/** The examples whose label no other example has, in file order. */
function labelsSeenOnce(examples: readonly LabelledExample[]): LabelledExample[] {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  return examples.filter((e) => counts.get(e.label) === 1);
}

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('adapt')
    .description("adapt a meta-learned checkpoint to one user's labelled examples (JSONL), choosing the number of steps on held-out examples")
    .requiredOption('--checkpoint <dir>', 'checkpoint directory printed by metatrain run, or a compressed model directory (runs/NAME/compressed)', pathOption('--checkpoint'))
    .requiredOption('--data <file>', `JSONL file, one {"text": ..., "label": ...} per line${STDIN_DATA_HELP}`, pathOption('--data'))
    .requiredOption('--out <dir>', 'directory to create for the adapted model', pathOption('--out'))
    .option('--max-steps <n>', 'largest number of fine-tuning steps considered (0: the meta-initialization without fine-tuning; at most 10,000)', boundedInt(0, MAX_ADAPT_STEPS), DEFAULT_MAX_STEPS)
    .addOption(backendOption('tfjs backend', '', 'wasm'))
    .action(async (o: { checkpoint: string; data: string; out: string; maxSteps: number; backend: string }) => {
      const out = resolve(o.out);
      onStopWritingNothing('adapt', out);
      refuseLinkedOutDirectory(o.out, 'adapt', true);
      const inWay = outDirectoryInTheWay(o.out);
      if (inWay !== undefined) throw new Error(inWay);
      const source = await dataSource(o.data, 'adapt');
      const data = jsonlSourceName(source);
      const examples = loadLabelledJsonl(source);
      const init = await loadInitialization(o.checkpoint);
      assertTextClassifier(o.checkpoint, init.model.kind, 'adapt');
      const labels = personalizableLabels(examples, data, o.maxSteps);
      const once = labelsSeenOnce(examples);
      if (once.length > 0 && once.length < labels.length) {
        const named = once.slice(0, 5).map((e) => `${JSON.stringify(e.label)} (line ${e.line})`).join(', ') + (once.length > 5 ? `, and ${once.length - 5} more` : '');
        process.stderr.write(`warning: ${countOf(once.length, 'label has', 'labels have')} one example only, which cannot be held out: ${named}; ${o.maxSteps === 0 ? 'the held-out accuracy is measured' : 'the number of steps is chosen'} without ${once.length === 1 ? 'it' : 'them'} (give at least 2 examples of each label)\n`);
      }
      const tokenizer = textTokenizerFor(init.model);
      const long = examples.filter((e) => tokenizer.tokenCount(e.text, init.model.maxLength) > init.model.maxLength).length;
      if (long > 0) {
        process.stderr.write(`warning: ${long} of ${examples.length} texts ${long === 1 ? 'is' : 'are'} longer than the model reads (model.maxLength ${init.model.maxLength} tokens, CLS included); only their first ${init.model.maxLength} tokens are used, as in training\n`);
      }
      const tokenless = findTokenless(init.model, examples.map((e) => e.text), examples.map((e) => e.line));
      if (tokenless) {
        if (tokenless.count === tokenless.total) throw new DatasetError(data, `${tokenless.said}: nothing to adapt on`);
        process.stderr.write(`warning: ${tokenless.said}; the model sees them all as the same empty text, and they still count for their labels\n`);
      }
      const resetHead = labels.length !== init.ways;
      if (resetHead && algorithms.get(init.algorithm.name).learnsInnerLr) {
        throw new Error(`the model learned per-parameter rates for ${init.ways}-way tasks, but ${data} has ${labels.length} labels; use data with ${init.ways} labels`);
      }
      // A tokenizer file is copied in and named relatively: the adapted model does not depend on where the import lies.
      const tokenizerFile = init.model.tokenizerPath === undefined ? undefined : readTokenizerBytes(init.model.tokenizerPath);
      // An --out that cannot be created (no permission, /proc ...) fails here, before the fine-tuning.
      await checkCanCreateDirectory(out);
      // What a killed adapt left beside --out (`.tmp-OUT-<dead pid>-<n>`, nothing else), once the inputs were checked.
      removeDeadTemporaries(out);
      await initBackend(o.backend as BackendName);
      const model = createModel(init.model, labels.length);
      // Fine-tuning can take minutes (--max-steps up to 10,000): say that it runs, and that Ctrl-C is acted on during it.
      process.stderr.write(`${adaptStartLine(examples.length, o.maxSteps)}\n`);
      const result = await personalize(model, init.params, examples, init.algorithm, resetHead, { maxSteps: o.maxSteps, seed: init.seed, source: data });
      const report = {
        checkpoint: resolve(o.checkpoint),
        data: typeof source === 'string' ? resolve(source) : data,
        labels: result.labels,
        steps: result.steps,
        heldOutAccuracy: result.heldOutAccuracy,
        heldOutExamples: result.heldOutExamples,
        trainingExamples: result.trainingExamples,
        curve: result.curve,
        headReset: resetHead,
        compressed: init.compressed,
        model: tokenizerFile ? { ...init.model, tokenizerPath: ADAPTED_TOKENIZER_FILE } : init.model,
        algorithm: init.algorithm,
      };
      // Published in one rename (src/core/durable-fs.ts): nothing half-written is left on failure.
      await publishDirectory(out, [
        [ADAPTED_PARAMS_FILE, encodeSafetensors(result.params, { labels: JSON.stringify(result.labels) })],
        ...(tokenizerFile ? [[ADAPTED_TOKENIZER_FILE, tokenizerFile] as const] : []),
        [ADAPTED_REPORT_FILE, Buffer.from(JSON.stringify(report, null, 2))],
      ]);
      const atChance = chanceWarning({ heldOutAccuracy: result.heldOutAccuracy, heldOutExamples: result.heldOutExamples, heldOutTies: result.heldOutTies, labels: labels.length, steps: result.steps, maxSteps: o.maxSteps, headReset: resetHead, headInit: init.algorithm.headInit ?? 'learned' });
      if (atChance !== undefined) process.stderr.write(`${atChance}\n`);
      process.stdout.write(
        `adapted to ${examples.length} examples of ${labels.length} labels: ${countOf(result.steps, 'step')} chosen, held-out accuracy ${(100 * result.heldOutAccuracy).toFixed(1)}% on ${countOf(result.heldOutExamples, 'example')}\n` +
          `wrote ${join(out, ADAPTED_PARAMS_FILE)} and ${join(out, ADAPTED_REPORT_FILE)}\n`,
      );
    });
}
