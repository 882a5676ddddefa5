/** Name of the output bias `[vocab]` of masked-language-model pretraining (a pretraining parameter, not a model one). */
export const MLM_BIAS_NAME = 'mlm.bias';
