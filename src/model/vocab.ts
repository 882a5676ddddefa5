/**
 * The byte-level vocabulary of the text models, as constants only (no tfjs), so the coordinator can build the
 * parameter spec of a Transformer without loading tfjs. Each UTF-8 byte `b` is token `b + BYTE_OFFSET`; two
 * special tokens precede the bytes (as in ByT5, Xue et al. 2022, which reserves the first ids for specials).
 */

/** Padding token: fills a sequence to `maxLength`; masked out of attention and pooling. */
export const PAD_ID = 0;
/** Classification token: first token of every sequence, so even an empty text has one non-pad token. */
export const CLS_ID = 1;
/**
 * First id that is neither PAD nor CLS: ids in [FIRST_ORDINARY_ID, vocabSize) are ordinary tokens (bytes, hashed
 * words) of every tfjs-side tokenizer.
 */
export const FIRST_ORDINARY_ID = Math.max(PAD_ID, CLS_ID) + 1;
/** Token id of UTF-8 byte 0. */
export const BYTE_OFFSET = 2;
/** Number of token ids: 2 specials + 256 byte values. */
export const VOCAB_SIZE = BYTE_OFFSET + 256;
