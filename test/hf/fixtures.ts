/**
 * A tiny random BERT written in the Hugging Face layout (what `save_pretrained` writes): config.json,
 * model.safetensors with `bert.`-prefixed names and PyTorch `nn.Linear` weights [out, in], plus pooler and
 * MLM-head tensors and an I64 `position_ids` buffer that the import must ignore, and a WordPiece tokenizer.json
 * (BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing `[CLS] $A [SEP]`). Not a test file itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng';

/** The specials first (BERT's order of ids differs, but any order works), then words and word pieces. */
export const VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
  'the', 'cat', 'dog', 'sat', 'on', 'mat', 'a', 'ran', 'fast', 'slow', '##s', '##ing', '##ed', 'play', 'jump',
  '.', ',', '!', 'hello', 'world', 'meta', 'learn', 'few', 'shot', 'text', 'class', 'good', 'bad', 'very',
];

/** Sizes of the tiny BERT (vocab_size above the tokenizer's 34 ids, as real checkpoints often pad it). */
export const TINY_BERT = {
  model_type: 'bert',
  architectures: ['BertForMaskedLM'],
  hidden_act: 'gelu',
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 24,
  vocab_size: 40,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  torch_dtype: 'float32',
};

/** One tensor to write: dtype, shape and raw little-endian bytes. */
export interface RawTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** A safetensors file of raw tensors (any dtype), names in sorted order. */
export function safetensorsBytes(tensors: ReadonlyMap<string, RawTensor>): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), ...names.map((n) => Buffer.from(tensors.get(n)!.bytes))]);
}

/** An F32 tensor of N(0, scale²) values. */
function f32(rng: Rng, shape: number[], scale: number, offset = 0): RawTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = offset + scale * rng.normal();
  return { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer) };
}

/** The Hugging Face tensors of a BERT of `config` (random, seeded), `bert.` prefixed, pooler and MLM head included. */
export function tinyBertTensors(config: typeof TINY_BERT, seed: number): Map<string, RawTensor> {
  const rng = new Rng(seed);
  const d = config.hidden_size;
  const ff = config.intermediate_size;
  const t = new Map<string, RawTensor>();
  const linear = (name: string, out: number, inp: number) => {
    t.set(`${name}.weight`, f32(rng, [out, inp], 1 / Math.sqrt(inp)));
    t.set(`${name}.bias`, f32(rng, [out], 0.1));
  };
  const norm = (name: string) => {
    t.set(`${name}.weight`, f32(rng, [d], 0.1, 1));
    t.set(`${name}.bias`, f32(rng, [d], 0.1));
  };
  t.set('bert.embeddings.word_embeddings.weight', f32(rng, [config.vocab_size, d], 1));
  t.set('bert.embeddings.position_embeddings.weight', f32(rng, [config.max_position_embeddings, d], 0.5));
  t.set('bert.embeddings.token_type_embeddings.weight', f32(rng, [config.type_vocab_size, d], 0.5));
  norm('bert.embeddings.LayerNorm');
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `bert.encoder.layer.${i}`;
    for (const m of ['query', 'key', 'value']) linear(`${p}.attention.self.${m}`, d, d);
    linear(`${p}.attention.output.dense`, d, d);
    norm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, ff, d);
    linear(`${p}.output.dense`, d, ff);
    norm(`${p}.output.LayerNorm`);
  }
  linear('bert.pooler.dense', d, d);
  linear('cls.predictions.transform.dense', d, d);
  const ids = new BigInt64Array(config.max_position_embeddings).map((_, i) => BigInt(i));
  t.set('bert.embeddings.position_ids', { dtype: 'I64', shape: [1, config.max_position_embeddings], bytes: new Uint8Array(ids.buffer) });
  return t;
}

/** A BERT WordPiece tokenizer.json over `vocab` (lower-casing, `[CLS] $A [SEP]`, no padding section). */
export function wordPieceTokenizerJson(vocab: readonly string[] = VOCAB): Record<string, unknown> {
  const id = (token: string) => vocab.indexOf(token);
  const special = (content: string) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
}

/**
 * Writes a tiny random BERT in the Hugging Face layout into `dir` (created) and returns `dir`. `edit` may change
 * the config, the tensors or the tokenizer JSON before they are written (for the bad-input tests).
 */
export function writeTinyHfBert(
  dir: string,
  edit: { config?: (c: Record<string, unknown>) => void; tensors?: (t: Map<string, RawTensor>) => void; tokenizer?: (j: Record<string, unknown>) => string } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const config: Record<string, unknown> = { ...TINY_BERT };
  edit.config?.(config);
  const tensors = tinyBertTensors(TINY_BERT, 17);
  edit.tensors?.(tensors);
  const tokenizer = wordPieceTokenizerJson();
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'model.safetensors'), safetensorsBytes(tensors));
  writeFileSync(join(dir, 'tokenizer.json'), edit.tokenizer ? edit.tokenizer(tokenizer) : JSON.stringify(tokenizer));
  return dir;
}
