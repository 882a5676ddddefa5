/** Public surface of src/summary: the result of a run (`summary.json`), its record types, writing and reading it. */
export { isFinishedRun, isRunSummary, MAX_SUMMARY_BYTES, readSummary, SUMMARY_FILE, writeSummary } from './run-summary';
export type { RunSummary } from './run-summary';
export type { ClassicalResult, FewShotResult, PretrainingHistory, TrainHistory } from './run-results';
