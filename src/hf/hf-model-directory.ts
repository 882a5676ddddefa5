/**
 * Recognizing a Hugging Face model directory (what `save_pretrained` writes) where metatrain expects one of its own
 * directories, so that the message can say to import it with `metatrain import-hf` first.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether `dir` looks like a Hugging Face model directory: a `config.json` file beside at least one `*.safetensors`
 * file (metatrain's own directories never hold a config.json). False when `dir` cannot be read.
 */
export function looksLikeHfModelDir(dir: string): boolean {
  try {
    if (!statSync(join(dir, 'config.json')).isFile()) return false;
    return readdirSync(dir).some((name) => name.endsWith('.safetensors'));
  } catch {
    return false;
  }
}
