/** Public surface of src/model: functional tfjs models, their tfjs-free architecture/init, tokenizer, backends. */
export { architectureOf, initParams } from './architecture';
export { BACKEND_NAMES, initBackend } from './backend';
export { createModel } from './create-model';
export { embeddingLookup, logSoftmax, softmax } from './exact-grad-ops';
export { fromTensors, param, toTensors } from './params-tf';
export { meanSquaredError } from './sinusoid-mlp';
export { encodeTexts } from './tokenizer';
export { accuracy, accuracyTiesWrong, softmaxCrossEntropy, topTieShare } from './transformer';
export { BYTE_OFFSET, CLS_ID, PAD_ID, VOCAB_SIZE } from './vocab';
export type { Architecture, ModelConfig } from './architecture';
export type { BackendName } from './backend';
export type { EncodedBatch, Model, TensorMap } from './model';
