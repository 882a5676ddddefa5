/** Public surface of src/hf: importing a Hugging Face BERT checkpoint as a `bert` pretrained checkpoint. */
export { readHfBertConfig } from './hf-config';
export { HfImportError } from './hf-errors';
export { looksLikeHfModelDir } from './hf-model-directory';
export { readHfBertWeights } from './hf-weights';
export { HF_IMPORT_KIND, importHfBert, modelYaml } from './import-hf';
export type { HfBertConfig } from './hf-config';
export type { ImportedBert, ImportHfOptions } from './import-hf';
