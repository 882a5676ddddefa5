/**
 * A Hugging Face BERT `config.json` (the `BertConfig` fields metatrain needs), validated with zod. Fields it does
 * not use (`architectures`, `torch_dtype`, `transformers_version` …) are ignored.
 */
import { z } from 'zod';
import { readBoundedFile } from '../core/bounded-file';
import { parseJsonBytes } from '../core/json-bytes';
import { HfImportError, hfFileRefused } from './hf-errors';

/**
 * The largest config.json read, in bytes (1 MiB): a BertConfig is under 1 KB (with `id2label` of thousands of labels,
 * some 100 KB); a device such as /dev/zero was read until memory ran out.
 */
export const MAX_HF_CONFIG_BYTES = 1 << 20;

const positiveInt = z.number().int().positive();

/** The `config.json` fields read; defaults are `BertConfig`'s. */
export const hfBertConfigSchema = z.object({
  /** Only the `BertModel` layout (tensor names `bert.embeddings…`, `encoder.layer.{i}…`). */
  model_type: z.literal('bert', { message: 'must be "bert" (the BertModel layout; roberta, distilbert, electra … name or place their tensors differently)' }),
  /** `gelu` is the exact (erf) GELU of `BertModel`, the one metatrain computes. */
  hidden_act: z.literal('gelu', { message: 'must be "gelu" (the exact erf GELU metatrain computes)' }).default('gelu'),
  hidden_size: positiveInt.max(4096),
  num_hidden_layers: positiveInt.max(64),
  num_attention_heads: positiveInt.max(64),
  intermediate_size: positiveInt.max(16384),
  max_position_embeddings: positiveInt.max(65536),
  vocab_size: z.number().int().min(2).max(1 << 20),
  /** @default 2 */
  type_vocab_size: positiveInt.max(1024).default(2),
  /** @default 1e-12 */
  layer_norm_eps: z.number().positive().max(0.1).default(1e-12),
  /** Only absolute (learned) position embeddings. @default absolute */
  position_embedding_type: z.literal('absolute', { message: 'must be "absolute" (learned position embeddings)' }).default('absolute'),
  /** When given, must equal the tokenizer's pad id. */
  pad_token_id: z.number().int().nonnegative().nullable().optional(),
}).refine((c) => c.hidden_size % c.num_attention_heads === 0, { message: 'must divide hidden_size', path: ['num_attention_heads'] });

/** A validated BERT config.json. */
export type HfBertConfig = z.infer<typeof hfBertConfigSchema>;

/**
 * Reads and validates `file` (a BERT `config.json`: UTF-8 JSON, a leading byte-order mark accepted).
 * @throws HfImportError naming the file and the first failing field with its value, or that it is missing, not a
 *   regular file (a directory, a device), larger than {@link MAX_HF_CONFIG_BYTES}, not UTF-8, not JSON, or holds a
 *   key twice in one object (naming the key: `"hidden_size": 8, "hidden_size": 16` would silently read 16).
 */
export function readHfBertConfig(file: string): HfBertConfig {
  const bytes = readBoundedFile(file, MAX_HF_CONFIG_BYTES, hfFileRefused('a BERT config.json is about 1 KB (MAX_HF_CONFIG_BYTES)'));
  const parsed = parseJsonBytes(bytes);
  if ('problem' in parsed) throw new HfImportError(`${file}: ${parsed.problem}`);
  const raw = parsed.value;
  const checked = hfBertConfigSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(root)';
    const value = raw !== null && typeof raw === 'object' && issue.path.length === 1 ? (raw as Record<string, unknown>)[String(issue.path[0])] : undefined;
    throw new HfImportError(`${file}: field ${field}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
  return checked.data;
}
