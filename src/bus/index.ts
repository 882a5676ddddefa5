/** Public surface of src/bus: NATS connection, run events on NATS, the compression work queue (JetStream and in-process). */
export { connectNats } from './nats-connection';
export { natsUrlShown } from './nats-servers';
export { parseRunEventMessage, RUN_EVENT_NAMES, RUN_SUBJECT_PREFIX, runEventMessage, runEventSubject, runEventsWildcard } from './run-subjects';
export { RunEventPublisher, runEventData } from './run-event-publisher';
export { openRunBus, runEventSink } from './run-bus';
export { keepRunState, lastRunState, RUN_STATE_STREAM } from './run-state-stream';
export { compressionJobId, resolveJobQueueOptions, retryDelayMs } from './job-queue';
export { decodeJob, encodeJob, parseJob } from './job-codec';
export { MemoryJobQueue } from './job-queue-memory';
export { JetStreamJobQueue, JOBS_STREAM, OUTCOMES_STREAM } from './job-queue-jetstream';
export { COMPRESSOR_CONSUMER, compressorConsumer } from './compressor-consumer';
export type { NatsConnectOptions } from './nats-connection';
export type { RunBus } from './run-bus';
export type { RecordedRunState } from './run-state-stream';
export type { RunEventMessage, RunEventName } from './run-subjects';
export type {
  CompressionFailedEvent,
  CompressionJob,
  CompressionQueuedEvent,
  CompressionStartedEvent,
  CompressionSucceededEvent,
  ConsumeOptions,
  JobAttempt,
  JobConsumer,
  JobEventSink,
  JobHandler,
  JobLifecycleEvents,
  JobOutcome,
  JobQueue,
  JobQueueOptions,
  ResolvedJobQueueOptions,
} from './job-queue';
