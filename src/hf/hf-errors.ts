/** The error of `metatrain import-hf`. */
import { MetatrainError } from '../core/errors';

/**
 * Thrown when a Hugging Face checkpoint directory cannot be imported: config.json, model.safetensors or
 * tokenizer.json is missing, malformed, or disagrees with the others. The message names the file and the field or
 * tensor.
 */
export class HfImportError extends MetatrainError {}
