/**
 * Imports a Hugging Face BERT checkpoint directory (`config.json`, `model.safetensors`, `tokenizer.json`, as
 * `save_pretrained` writes them) as a pretrained checkpoint directory of model kind `bert`, for `model.init: DIR`:
 *
 * ```
 * DIR/step-00000000/      the body parameters (CheckpointStore layout, without optimizer state: a model is not
 *                         an optimization in progress; extra.config.model records the model section)
 * DIR/best.json           points at it (what src/pretrain/pretrained-body.ts reads)
 * DIR/tokenizer.json      a copy of the tokenizer (model.tokenizerPath names it)
 * ```
 * No tfjs: the weights are copied (linear weights transposed), not run.
 */
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { modelSchema, type RunConfig } from '../core/config';
import { countParams } from '../core/param-set';
import { BEST_FILE, CheckpointStore } from '../checkpoint';
import { entryAt } from '../core/entry-at';
import { deadTemporaries, outDirectoryInTheWay, publishWrittenDirectory, removeDeadTemporaries, replaceFileAtomically } from '../core/durable-fs';
import { hfTokenizerOf, readTokenizerBytes } from '../model/hf-tokenizer';
import { MIN_MAX_LENGTH, maxLengthProblem } from '../model/model-config';
import { readHfBertConfig, type HfBertConfig } from './hf-config';
import { HfImportError } from './hf-errors';
import { readHfBertWeights } from './hf-weights';

/** `extra.kind` of an imported checkpoint. */
export const HF_IMPORT_KIND = 'hf-import';

/** Options of {@link importHfBert}. */
export interface ImportHfOptions {
  /**
   * Tokens the model reads (`model.maxLength`, CLS and SEP included); at least 3 (MIN_MAX_LENGTH.bert), at most
   * `max_position_embeddings`. @default min(128, max_position_embeddings)
   */
  readonly maxLength?: number;
}

/** What {@link importHfBert} wrote. */
export interface ImportedBert {
  /** The `model` section of a run config that uses the import (`init` and `tokenizerPath` absolute). */
  readonly model: RunConfig['model'];
  /** The checkpoint directory written (`outDir`, absolute). */
  readonly dir: string;
  /** Number of body parameters (values). */
  readonly params: number;
  readonly config: HfBertConfig;
}

/** How to add tokenizer.json to the checkpoint directory `dir` that lacks it, for messages. */
function writeTokenizerJson(dir: string): string {
  const d = JSON.stringify(resolve(dir));
  return `Write it with Python transformers: AutoTokenizer.from_pretrained(${d}).save_pretrained(${d}) (a BERT tokenizer loads as the fast BertTokenizerFast, which saves tokenizer.json)`;
}

/** The tokenizer's file in an imported checkpoint directory (a copy of the Hugging Face one). */
const TOKENIZER_FILE = 'tokenizer.json';

/** The entries an import writes in its --out directory: the checkpoint of step 0, best.json and tokenizer.json. */
const IMPORT_ENTRIES: readonly string[] = ['step-00000000', BEST_FILE, TOKENIZER_FILE];

/**
 * The leftovers in `dir` of an import killed half-way by an earlier metatrain, which staged inside --out: when `dir` is
 * a directory holding entries, every one a temporary of an entry an import writes whose writer is gone
 * (`.tmp-step-00000000-<dead pid>-<n>`: src/core/durable-fs.ts deadTemporaries), their paths; else undefined (an
 * empty directory is the user's, made beforehand: replacing it would drop its permissions; any other entry is theirs).
 */
function deadImportLeftovers(dir: string): string[] | undefined {
  if (!entryAt(dir)?.isDirectory()) return undefined;
  const entries = readdirSync(dir);
  const dead = deadTemporaries(dir, (finalName) => IMPORT_ENTRIES.includes(finalName));
  return entries.length > 0 && dead.length === entries.length ? dead : undefined;
}

/**
 * Removes `leftovers` ({@link deadImportLeftovers}) and then `dir`, which they alone were in.
 * @throws HfImportError saying --out is in the way when `dir` holds something else by now.
 */
function removeImportLeftovers(dir: string, outDir: string, leftovers: readonly string[]): void {
  for (const path of leftovers) rmSync(path, { recursive: true, force: true });
  try {
    rmdirSync(dir);
  } catch (err) {
    throw new HfImportError(outDirectoryInTheWay(outDir) ?? (err as Error).message, { cause: err });
  }
}

/** What a Hugging Face BERT checkpoint directory holds, for messages. */
const HF_FILES = 'config.json, model.safetensors and tokenizer.json';

/**
 * Reads `hfDir`'s config.json, model.safetensors and tokenizer.json and writes the checkpoint directory `outDir`
 * (which must not exist).
 * Each file is read whole within its limit (config.json 1 MiB, tokenizer.json 64 MiB, model.safetensors 2 GiB:
 * MAX_HF_CONFIG_BYTES, MAX_TOKENIZER_FILE_BYTES, MAX_SAFETENSORS_FILE_BYTES) and must be a regular file or a pipe.
 * @throws HfImportError naming the file and the field or tensor that is wrong (see readHfBertConfig,
 *   readHfBertWeights), when a file is not a regular file or a pipe (a directory, a device such as /dev/zero) or is
 *   over its limit, when tokenizer.json is missing (saying how to write it, and that vocab.txt alone is not
 *   supported when that is what the directory holds), cannot be loaded, has more ids than `vocab_size` or another pad id than
 *   config.json's `pad_token_id`, when `maxLength` is below 3 (checked first: {@link maxLengthProblem}) or exceeds
 *   `max_position_embeddings`, when `max_position_embeddings` itself is below 3 (the CLS and SEP tokens and one of text), when `hfDir` is missing, a file or holds no config.json, or when `outDir` exists or a
 *   file is in its path (named as `--out`: {@link outDirectoryInTheWay}; a directory holding only temporaries of a
 *   dead process, an import killed half-way, is removed instead, once the input was read: {@link deadImportLeftovers}). `outDir` is published whole by one rename: an
 *   import that fails or is stopped leaves none.
 */
export async function importHfBert(hfDir: string, outDir: string, options: ImportHfOptions = {}): Promise<ImportedBert> {
  const tooShort = options.maxLength === undefined ? undefined : maxLengthProblem('bert', options.maxLength);
  if (tooShort) throw new HfImportError(`--max-length ${options.maxLength}: ${tooShort}`);
  const dir = resolve(outDir);
  const inWay = outDirectoryInTheWay(outDir);
  const leftovers = inWay === undefined ? undefined : deadImportLeftovers(dir);
  if (inWay !== undefined && leftovers === undefined) throw new HfImportError(inWay);
  const what = statSync(hfDir, { throwIfNoEntry: false });
  if (!what) throw new HfImportError(`${hfDir}: no such directory (give the directory of a Hugging Face BERT checkpoint: ${HF_FILES})`);
  if (!what.isDirectory()) throw new HfImportError(`${hfDir} is a file, not a directory (give the directory holding ${HF_FILES})`);
  const configFile = join(hfDir, 'config.json');
  if (!existsSync(configFile)) throw new HfImportError(`${hfDir} holds no config.json: not a Hugging Face checkpoint directory (it needs ${HF_FILES})`);
  const config = readHfBertConfig(configFile);
  if (config.max_position_embeddings < MIN_MAX_LENGTH.bert) {
    throw new HfImportError(
      `${configFile}: max_position_embeddings ${config.max_position_embeddings} is below the ${MIN_MAX_LENGTH.bert} positions a bert model needs (its CLS and SEP tokens and at least one token of text): this checkpoint cannot be imported`,
    );
  }
  const maxLength = options.maxLength ?? Math.min(128, config.max_position_embeddings);
  if (!Number.isInteger(maxLength) || maxLength > config.max_position_embeddings || maxLengthProblem('bert', maxLength)) {
    throw new HfImportError(`--max-length ${maxLength} must be an integer in [${MIN_MAX_LENGTH.bert}, ${config.max_position_embeddings}] (max_position_embeddings of ${configFile})`);
  }
  const tokenizerFile = join(hfDir, 'tokenizer.json');
  if (!existsSync(tokenizerFile)) {
    const vocab = existsSync(join(hfDir, 'vocab.txt')) ? '; vocab.txt alone (a slow tokenizer) is not supported' : '';
    throw new HfImportError(`${tokenizerFile}: no such file${vocab}: import-hf needs the fast tokenizer's tokenizer.json. ${writeTokenizerJson(hfDir)}`);
  }
  // Read once, within its limit, and written as read: a copy (copyFileSync) of a named pipe waited for a writer forever.
  let tokenizerBytes: Buffer;
  let tokenizer;
  try {
    tokenizerBytes = readTokenizerBytes(tokenizerFile);
    tokenizer = hfTokenizerOf(tokenizerFile, tokenizerBytes);
  } catch (err) {
    throw new HfImportError((err as Error).message, { cause: err });
  }
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new HfImportError(`${tokenizerFile}: has token ids up to ${tokenizer.vocabSize - 1}, beyond vocab_size ${config.vocab_size} of ${configFile}`);
  }
  if (config.pad_token_id !== undefined && config.pad_token_id !== null && config.pad_token_id !== tokenizer.padId) {
    throw new HfImportError(`${tokenizerFile}: pad id ${tokenizer.padId} differs from pad_token_id ${config.pad_token_id} of ${configFile}`);
  }
  const weightsFile = join(hfDir, 'model.safetensors');
  const params = readHfBertWeights(weightsFile, config, maxLength);

  const model = modelSchema.parse({
    kind: 'bert',
    layers: config.num_hidden_layers,
    dModel: config.hidden_size,
    heads: config.num_attention_heads,
    dFf: config.intermediate_size,
    maxLength,
    vocabSize: config.vocab_size,
    typeVocabSize: config.type_vocab_size,
    layerNormEps: config.layer_norm_eps,
    tokenizer: 'hf',
    tokenizerPath: join(dir, TOKENIZER_FILE),
    init: dir,
  });
  const hash = createHash('sha256');
  for (const [name, t] of params) hash.update(name).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  // Once the input was read whole: what a killed import left in --out and beside it (nothing else) goes.
  if (leftovers !== undefined) removeImportLeftovers(dir, outDir, leftovers);
  removeDeadTemporaries(dir);
  // Published whole in one rename (src/core/durable-fs.ts): an import stopped or failed half-way leaves no --out.
  await publishWrittenDirectory(dir, async (staging) => {
    await new CheckpointStore(staging, { keep: 1 }).save({
      step: 0,
      params,
      configHash: `${HF_IMPORT_KIND}:${hash.digest('hex')}`,
      rng: {},
      metrics: {},
      extra: { kind: HF_IMPORT_KIND, config: { model }, source: { dir: resolve(hfDir), hfConfig: config } },
      best: true,
    });
    await replaceFileAtomically(join(staging, TOKENIZER_FILE), tokenizerBytes);
  });
  return { model, dir, params: countParams(params), config };
}

/** The fields of a `bert` model section a run config needs (the others keep their defaults). */
const BERT_FIELDS = ['kind', 'layers', 'dModel', 'heads', 'dFf', 'maxLength', 'vocabSize', 'typeVocabSize', 'layerNormEps', 'tokenizer', 'tokenizerPath', 'init'] as const;

/** The `model:` section of `model` as YAML, for a run config (bert fields only). */
export function modelYaml(model: RunConfig['model']): string {
  return stringify({ model: Object.fromEntries(BERT_FIELDS.map((f) => [f, model[f]])) });
}
