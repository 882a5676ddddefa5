/** `metatrain predict --model DIR (--text T... | --data file.jsonl)`: labels and probabilities from an adapted model. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { COMPRESSED_MODEL_FILE } from '../compress/compressed-model';
import { looksLikeHfModelDir } from '../hf';
import { isAdaptedModelDir, loadAdaptedModel } from '../meta/adapted-model';
import { predict, type Prediction, type TextSource } from '../meta/predict';
import { scorePredictions } from '../meta/prediction-score';
import { initBackend, type BackendName } from '../model/backend';
import { jsonlSourceName, loadTextJsonl } from '../tasks/jsonl';
import { dataSource, STDIN_DATA_HELP } from './data-option';
import { backendOption } from './backend-option';
import { bodyOnlyCheckpoint, META_INITIALIZATIONS } from './body-only-checkpoint';
import { cutToCharacters, escapeTerminalControls } from '../core/terminal-text';
import { findTokenless } from './tokenless-warning';
import { DatasetError } from '../core/errors';
import { notOneCheckpoint, recordedModelKind } from '../checkpoint';
import { assertTextClassifier, loadInitialization } from './meta-initialization';
import { pathOption, tableStyle } from './options';
import { accuracyLine, partlyLabelledNote } from './predict-accuracy';

/** Probabilities shown per text in the table (all of them are in `--json`). */
const SHOWN_LABELS = 3;

/** Characters of a text shown in the table (grapheme clusters: an emoji sequence is one); a longer one ends in `…`. */
const SHOWN_TEXT_CHARACTERS = 48;

/**
 * Checks that `dir` is an adapted model, with a hint when it is a checkpoint or compressed meta-initialization
 * (those must be adapted to labels first; one of a model other than a text classifier is refused as such, without
 * the hint, which adapt would refuse, also in a run directory or a directory of checkpoints), a checkpoint of an encoder
 * body only (pretraining, import-hf) or a Hugging Face model directory (to import with import-hf first).
 * @throws Error naming the directory.
 */
async function checkModelDir(dir: string): Promise<void> {
  if (!existsSync(dir)) throw new Error(`--model ${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new Error(`--model ${dir}: not a directory`);
  if (isAdaptedModelDir(dir)) return;
  const bodyOnly = bodyOnlyCheckpoint(dir);
  if (bodyOnly) throw new Error(`--model ${dir} is ${bodyOnly}: adapt ${META_INITIALIZATIONS} with metatrain adapt, then predict with its --out`);
  const notOne = await notOneCheckpoint(dir);
  // A model adapt refuses (a sinusoid-mlp) gets no hint to adapt it: neither in a checkpoint nor in a run directory
  // or directory of checkpoints (its kind read from the manifest of the checkpoint the hint would name, not its
  // weights; a manifest that cannot be read gives the hint, and adapt names what is wrong with it).
  const kind = notOne?.checkpoint === undefined ? undefined : recordedModelKind(notOne.checkpoint);
  if (kind !== undefined) assertTextClassifier(`--model ${dir}`, kind, 'predict');
  if (notOne?.instead) throw new Error(`--model ${dir} ${notOne.problem}, and not an adapted model: adapt ${notOne.instead} with metatrain adapt --checkpoint, then predict with its --out`);
  if (looksLikeHfModelDir(dir)) {
    throw new Error(
      `--model ${dir} is not an adapted model (no adapted.json) but looks like a Hugging Face model (config.json, *.safetensors): import it with metatrain import-hf ${dir} --out DIR, meta-train from it (model.init: DIR) and adapt a checkpoint to your labels with metatrain adapt, then predict with adapt's --out`,
    );
  }
  const isInit = existsSync(join(dir, 'manifest.json')) || existsSync(join(dir, COMPRESSED_MODEL_FILE));
  if (!isInit) throw new Error(`--model ${dir} is not an adapted model (no adapted.json): give a directory written by metatrain adapt`);
  assertTextClassifier(`--model ${dir}`, (await loadInitialization(dir)).model.kind, 'predict');
  throw new Error(`--model ${dir} holds a meta-initialization, not a model adapted to labels: run metatrain adapt --checkpoint ${dir} --data YOUR.jsonl --out DIR, then predict with --model DIR`);
}

async function textsOf(o: { text?: string[]; data?: string }): Promise<{ texts: string[]; source: TextSource; labels?: (string | undefined)[] }> {
  if ((o.text === undefined) === (o.data === undefined)) throw new Error('give exactly one of --text and --data');
  if (o.text) {
    // Refused here, before the tokenizer's warning about texts without a token would be printed first.
    const blank = o.text.findIndex((t) => t.trim().length === 0);
    if (blank !== -1) throw new DatasetError('--text', `text ${blank + 1} is empty (or only whitespace): give the text to classify`);
    return { texts: o.text, source: { name: '--text' } };
  }
  const source = await dataSource(o.data!, 'predict');
  const lines = loadTextJsonl(source);
  return { texts: lines.map((l) => l.text), source: { name: jsonlSourceName(source), lines: lines.map((l) => l.line) }, labels: lines.map((l) => l.label) };
}

function table(texts: readonly string[], predictions: readonly Prediction[], source: TextSource): string {
  const t = new Table({ head: [source.lines ? 'line' : '#', 'label', 'probability', 'others', 'text'], style: tableStyle() });
  predictions.forEach((p, i) => {
    // Labels of the tie are in the label column: the others are only those below it.
    const shown = p.tie ?? [p.label];
    const others = Object.entries(p.probabilities)
      .filter(([l]) => !shown.includes(l))
      .sort((a, b) => b[1] - a[1])
      .slice(0, SHOWN_LABELS - 1)
      .map(([l, q]) => `${l} ${q.toFixed(3)}`)
      .join(', ');
    // Escaped after the cut, so that an escape is never cut in half.
    const text = texts[i]!.replace(/\s+/g, ' ');
    const label = p.tie ? `tie: ${p.tie.join(', ')}` : p.label;
    t.push([source.lines ? source.lines[i]! : i + 1, escapeTerminalControls(label), p.probability.toFixed(3), escapeTerminalControls(others), escapeTerminalControls(cutToCharacters(text, SHOWN_TEXT_CHARACTERS))]);
  });
  return `${t.toString()}\n`;
}

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('predict')
    .description('predict the labels of texts with a model written by metatrain adapt: the most probable label and the probabilities')
    .requiredOption('--model <dir>', 'adapted model directory (the --out of metatrain adapt)', pathOption('--model'))
    .option('--text <text...>', 'texts to classify')
    .option('--data <file>', `JSONL file, one {"text": ...} per line ("label" optional: with labels on every line, the accuracy is printed too; a tie counts as wrong)${STDIN_DATA_HELP}`, pathOption('--data'))
    .option('--truncate', 'read only the first model.maxLength tokens of longer texts instead of refusing them', false)
    .option('--json', 'print one JSON object per text: line or index, label, probability, probabilities of every label (and tie: the labels of equal highest probability, when several); with --data labelled on every line, a last line {"summary": {examples, correct, accuracy, ties, unknownLabels}}', false)
    .addOption(backendOption('tfjs backend', '', 'wasm'))
    .action(async (o: { model: string; text?: string[]; data?: string; truncate: boolean; json: boolean; backend: string }) => {
      await checkModelDir(o.model);
      const { texts, source, labels } = await textsOf(o);
      const adapted = loadAdaptedModel(o.model);
      await initBackend(o.backend as BackendName);
      const tokenless = findTokenless(adapted.model, texts, source.lines);
      if (tokenless) {
        process.stderr.write(`warning: ${tokenless.said}; the model sees ${tokenless.count === 1 ? 'it as an empty text: its prediction does not depend on it' : 'them as the same empty text: their prediction does not depend on them'}\n`);
      }
      const predictions = predict(adapted, texts, source, { truncate: o.truncate });
      const score = labels?.every((l): l is string => l !== undefined) ? scorePredictions(predictions, labels, adapted.labels) : undefined;
      if (o.json) {
        const key = source.lines ? 'line' : 'index';
        const lines = predictions.map((p, i) => JSON.stringify({ [key]: source.lines ? source.lines[i] : i + 1, ...p }));
        if (score) lines.push(JSON.stringify({ summary: score }));
        process.stdout.write(lines.map((l) => `${l}\n`).join(''));
      } else {
        process.stdout.write(table(texts, predictions, source));
      }
      if (score) process.stderr.write(`${accuracyLine(score)}\n`);
      const partly = labels && partlyLabelledNote(labels);
      if (partly) process.stderr.write(`${partly}\n`);
    });
}
