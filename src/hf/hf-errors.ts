/** The error of `metatrain import-hf`. */
import { MetatrainError, type FileReadError } from '../core/errors';

/**
 * Thrown when a Hugging Face checkpoint directory cannot be imported: config.json, model.safetensors or
 * tokenizer.json is missing, malformed, or disagrees with the others. The message names the file and the field or
 * tensor.
 */
export class HfImportError extends MetatrainError {}

/**
 * The refusal of a file of the checkpoint directory by the bounded reader (src/core/bounded-file.ts), as an
 * HfImportError: the reader's message (the file and why: missing, not a regular file, over its limit), then what to
 * give instead; `tooLarge` is said after an over-size one. The FileReadError is its cause.
 */
export function hfFileRefused(tooLarge: string): (err: FileReadError) => HfImportError {
  return (err) => {
    const advice = err.reason === 'not-a-file' ? ': give the file itself, as save_pretrained writes it' : err.reason === 'too-large' ? `: ${tooLarge}` : '';
    return new HfImportError(`${err.message}${advice}`, { cause: err });
  };
}
