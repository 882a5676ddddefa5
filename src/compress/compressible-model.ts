/**
 * Which model kinds compression handles, in one sentence read by the run config's check (src/core/config.ts), by
 * `metatrain compress` before any work, and by `metatrain import-hf`'s advice. No tfjs: src/core reads it.
 */

/**
 * Why compression cannot handle a model of `kind` (the run config's `model.kind`), or undefined when it can
 * (`transformer`, `sinusoid-mlp`). Throws nothing.
 */
export function compressionRefusal(kind: string): string | undefined {
  return kind === 'bert' ? 'compression of a bert model is not supported yet (distillation and the ONNX export know the transformer layout only)' : undefined;
}
