/** The `model` section of the run config (zod only; composed in src/core/config.ts): the architecture. */
import { z } from 'zod';
import { nonNegativeInt, pathField, pathString, positiveInt } from '../core/config-fields';

/** The greatest `model.maxLength` of any kind (and `metatrain import-hf --max-length`): 4,096 tokens. */
export const MAX_MAX_LENGTH = 4096;

/** Model architecture (the `model` section; also validates the model config an adapted model records). */
export const modelSchema = z
  .object({
    /**
     * `sinusoid-mlp` (1-40-40-1 ReLU), `transformer` (pre-LayerNorm encoder classifier) or `bert` (the Hugging
     * Face `BertModel` layout, Devlin et al. 2019: post-LayerNorm, GELU, token-type embeddings; what
     * `metatrain import-hf` writes; needs `tokenizer: hf`, `tokenizerPath` and `vocabSize`).
     */
    kind: z.enum(['sinusoid-mlp', 'transformer', 'bert']),
    /** Hidden widths of the MLP. @default [40, 40] */
    hidden: z.array(positiveInt.max(16384)).min(1).max(64).default([40, 40]),
    /**
     * Transformer encoder layers; 0 = no attention layer (token embeddings, final LayerNorm, mean pooling: a
     * bag of embeddings, as fastText). @default 1
     */
    layers: nonNegativeInt.max(64).default(1),
    /**
     * Transformer tokens: `bytes` (UTF-8 bytes, 258 ids, src/model/tokenizer.ts), `hashed-words` (words and word
     * bigrams hashed into `hashBuckets` ids, src/model/word-hash-tokenizer.ts) or `hf` (a Hugging Face
     * `tokenizer.json` at `tokenizerPath`, read with `@huggingface/tokenizers`, src/model/hf-tokenizer.ts; model
     * `bert` only, which needs it). @default bytes
     */
    tokenizer: z.enum(['bytes', 'hashed-words', 'hf']).default('bytes'),
    /**
     * `tokenizer: hf`: path of the `tokenizer.json` (a relative path resolved against `runtime.baseDir`, as
     * `task.path`: `runModelConfig` in src/core/config.ts). No default.
     */
    tokenizerPath: pathString.optional(),
    /**
     * `bert`: rows of the word embedding (`vocab_size` of the Hugging Face config.json; at least the tokenizer's
     * vocabulary). No default. Optional in the schema so that other kinds' configs (and their hashes) are unchanged.
     */
    vocabSize: z.number().int().min(2).max(1 << 20).optional(),
    /** `bert`: rows of the token-type embedding (`type_vocab_size`); inputs use type 0 only. @default 2 (for bert) */
    typeVocabSize: positiveInt.max(1024).optional(),
    /** `bert`: LayerNorm variance epsilon (`layer_norm_eps`). @default 1e-12 (for bert) */
    layerNormEps: z.number().positive().max(0.1).optional(),
    /** Embedding rows of the `hashed-words` tokenizer (ids 0 and 1 are PAD and CLS). @default 16384 */
    hashBuckets: z.number().int().min(3).max(1 << 20).default(16384),
    /** `hashed-words`: also a token per pair of neighbouring words. @default true */
    wordBigrams: z.boolean().default(true),
    /** Transformer model width. @default 32 */
    dModel: positiveInt.max(4096).default(32),
    /** Attention heads; must divide dModel. @default 2 */
    heads: positiveInt.max(64).default(2),
    /** Feed-forward width. @default 64 */
    dFf: positiveInt.max(16384).default(64),
    /**
     * Maximum tokens per example, special tokens included (longer inputs are truncated); at least
     * {@link MIN_MAX_LENGTH} of the kind (2 for `transformer`, 3 for `bert`). @default 64
     */
    maxLength: positiveInt.max(MAX_MAX_LENGTH).default(64),
    /**
     * Rank r of the low-rank adapters (LoRA, Hu et al. 2021) on every attention and feed-forward weight of a
     * Transformer with layers ≥ 1; 0 = none. Needs `algorithm.adapt: lora`. @default 0
     */
    loraRank: nonNegativeInt.max(256).default(0),
    /** LoRA scale numerator α: an adapted weight is W + (α / r)·A·B. @default 8 (as Hugging Face PEFT) */
    loraAlpha: z.number().positive().max(1e4).default(8),
    /**
     * Where meta-training (and the transfer baseline) starts: `random` (seeded initialization), `pretrained` (the
     * run's own masked-language-model pretraining, `<run dir>/pretrained`, written by `metatrain pretrain` or by
     * `metatrain run` before meta-training; needs the `pretraining` section), or the path of a pretrained
     * checkpoint directory (a relative path resolved against `runtime.baseDir`, see `modelInitDir` in src/core/config.ts). The
     * body is taken from the checkpoint; the head (and LoRA adapters, Meta-SGD learning rates) start as with
     * `random`. @default random
     */
    init: pathField('give random (the default), pretrained (the run\'s own pretraining) or a checkpoint directory such as runs/NAME/checkpoints/step-N').default('random'),
  })
  .strict()
  .refine((m) => m.dModel % m.heads === 0, { message: 'dModel must be divisible by heads', path: ['heads'] })
  .superRefine((m, ctx) => {
    const problem = maxLengthProblem(m.kind, m.maxLength);
    // A lower bound of the field (as too_small), so that a value under both it and the field's own bound of 1 gets
    // this one message only (tightestBounds in src/core/config-fields.ts keeps the tightest).
    if (problem) ctx.addIssue({ code: 'too_small', origin: 'number', minimum: MIN_MAX_LENGTH[m.kind as keyof typeof MIN_MAX_LENGTH], inclusive: true, input: m.maxLength, path: ['maxLength'], message: problem });
  });

/**
 * The least `model.maxLength` of each text kind: the special tokens it adds plus one token of text (a
 * `transformer`'s CLS; a `bert`'s CLS and SEP). With fewer the model reads no text and guesses at chance.
 */
export const MIN_MAX_LENGTH = { transformer: 2, bert: 3 } as const;

/** What the special tokens of each text kind are, for {@link maxLengthProblem}'s message. */
const SPECIAL_TOKENS = { transformer: 'its CLS token', bert: 'its CLS and SEP tokens' } as const;

/**
 * Why `maxLength` tokens are too few for a model of `kind`, or undefined when they are enough (every length is
 * for `sinusoid-mlp`, which reads no text).
 * @returns a message naming `model.maxLength`, the kind, the minimum ({@link MIN_MAX_LENGTH}) and the value.
 */
export function maxLengthProblem(kind: string, maxLength: number): string | undefined {
  if (kind !== 'transformer' && kind !== 'bert') return undefined;
  const min = MIN_MAX_LENGTH[kind];
  if (maxLength >= min) return undefined;
  return `model.maxLength must be at least ${min} for model.kind ${kind} (${SPECIAL_TOKENS[kind]} and at least one token of text; with fewer the model reads no text and guesses at chance), got ${maxLength}`;
}

/** Whether `kind` is a text classifier (`transformer`, `bert`): what the text families, adapt and predict need. */
export function isTextModelKind(kind: string): boolean {
  return kind === 'transformer' || kind === 'bert';
}
