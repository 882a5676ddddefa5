/** Public surface of src/tasks: task families, corpora and dataset loaders. */
export { taskFamilyFor } from './task-family';
export { taskFamilies, taskMetric } from './family';
export { sinusoidFamily, sinusoidParams, SINUSOID_RANGES } from './sinusoid';
export { textTaskFamily } from './text-corpus';
export { splitClasses } from './class-split';
export { sotuCorpus, cleanAddress, SALUTATION_MAX_CHARS } from './sotu';
export { loadLabelledJsonl, loadTextJsonl, jsonlCorpus } from './jsonl';
export { cutPassages } from './passages';
export { SPLITS } from './spec-check';
export type { Split, TaskSpec, Task, TaskFamily, ExampleSet, RegressionSet, TextSet } from './task';
export type { FamilyConfigIssue, FamilyDefinition, TaskMetric } from './family';
export type { SinusoidOptions, SinusoidParams } from './sinusoid';
export type { LabelledCorpus, TextFamilyOptions, TextTaskFamily } from './text-corpus';
export type { ClassSplits, ClassSplitOptions, ExcludedClass } from './class-split';
export type { LabelledExample } from './jsonl';
