/**
 * The NATS subjects of the compression work queue (src/bus/job-queue-jetstream.ts): a run's jobs on
 * `metatrain.jobs.compress.<run>` (stream `METATRAIN_JOBS`), a job's recorded outcome on
 * `metatrain.jobs.outcome.<jobId>` (stream `METATRAIN_JOB_OUTCOMES`). Run names and job ids are subject tokens
 * (src/core/run-name.ts, `compressionJobId`).
 */

/** The subjects of every run's compression jobs. */
export const JOB_SUBJECTS = 'metatrain.jobs.compress.>';
/** The subjects of every job's outcome. */
export const OUTCOME_SUBJECTS = 'metatrain.jobs.outcome.>';

/** The subject of `run`'s compression jobs. */
export const jobSubject = (run: string) => `metatrain.jobs.compress.${run}`;
/** The subject of the outcome of job `jobId`. */
export const outcomeSubject = (jobId: string) => `metatrain.jobs.outcome.${jobId}`;
/** The subject of the count of hand-backs of job `jobId` (in the outcome stream: `{ "handBacks": n }`, the last kept). */
export const handBacksSubject = (jobId: string) => `metatrain.jobs.outcome.${jobId}.handbacks`;
