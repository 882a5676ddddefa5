/**
 * Public surface of src/checkpoint: crash-safe checkpoints of a run (meta-training, pretraining, `model.init`
 * directories written by `metatrain import-hf`): the store of one run's checkpoint directory, loading one verified
 * checkpoint, and the names of its files. tfjs-free; the writes go through src/core/durable-fs.ts.
 */
export { BEST_FILE, CheckpointStore, isStoreTemporary } from './checkpoint-store';
export { loadCheckpoint } from './checkpoint-load';
export { MANIFEST_FILE, parseStepDirName } from './checkpoint-manifest';
export { readManifestText } from './checkpoint-part';
export { manifestExtra, recordedModelKind } from './manifest-extra';
export { notOneCheckpoint } from './not-one-checkpoint';
export { foreignCheckpointFiles } from './checkpoint-foreign-files';
export type { CheckpointStoreOptions, CheckpointEntry, LatestCheckpoint, SaveResult } from './checkpoint-store';
export type { Checkpoint, OptimizerState } from './checkpoint-load';
export type { CheckpointInput } from './checkpoint-encode';
export type { NotOneCheckpoint } from './not-one-checkpoint';
