/**
 * Wiring a run to the bus. With NATS (`nats.url`, the distributed mode of `metatrain coordinator`): a connection,
 * the JetStream compression queue, the stream that keeps each run's last phase (run-state-stream.ts) and, once the
 * run's event emitter exists, a {@link RunEventPublisher}. In-process
 * (the local embedded mode): {@link runEventSink} hands the in-process queue's job lifecycle events to the run's
 * event emitter.
 */
import type { EventEmitter } from 'node:events';
import type { NatsConnection } from '@nats-io/nats-core';
import type { JobEventSink, JobQueue, JobQueueOptions } from './job-queue';
import { JetStreamJobQueue } from './job-queue-jetstream';
import { connectNats } from './nats-connection';
import { natsUrlShown } from './nats-servers';
import { RunEventPublisher } from './run-event-publisher';
import { keepRunState, RUN_STATE_STREAM } from './run-state-stream';

/**
 * A sink giving job lifecycle events to a run's event emitter: `compression.*` as they are, retry warnings as
 * `warning` messages.
 */
export function runEventSink(events: Pick<EventEmitter, 'emit'>): JobEventSink {
  return (_run, event, data) => {
    if (event === 'warning') events.emit('warning', (data as { message: string }).message);
    else events.emit(event, data);
  };
}

/** A run's NATS connection, compression queue and event forwarding; {@link RunBus.close} releases them. */
export interface RunBus {
  readonly queue: JobQueue;
  readonly nats: NatsConnection;
  /** Problems that leave the run working but less observable (no JetStream to keep its last phase), to log as warnings. */
  readonly warnings: readonly string[];
  /** Starts publishing the run's events (`Coordinator.events`) on `metatrain.run.<run>.<event>`. */
  forward(events: Pick<EventEmitter, 'on' | 'off'>): void;
  /** Stops consumers and forwarding, flushes and closes the connection. */
  close(): Promise<void>;
}

/**
 * Connects to `natsUrl` for run `run`.
 * @param component names the connection, e.g. `coordinator`.
 * @throws BusError when NATS cannot be reached; ProtocolError (on forward) when `run` is not a DNS label.
 */
export async function openRunBus(natsUrl: string, run: string, component: string, options: JobQueueOptions = {}): Promise<RunBus> {
  const nc = await connectNats(natsUrl, { name: `${component}-${run}-${process.pid}` });
  const queue = new JetStreamJobQueue(nc, options);
  const publishers: RunEventPublisher[] = [];
  const warnings: string[] = [];
  await keepRunState(nc).catch((e: Error) =>
    warnings.push(`NATS at ${natsUrlShown(natsUrl)} keeps no record of how run ${run} ends (${e.message}; stream ${RUN_STATE_STREAM}): \`metatrain watch\` started after it ends cannot tell its outcome`),
  );
  return {
    queue,
    nats: nc,
    warnings,
    forward: (events) => void publishers.push(new RunEventPublisher(nc, run, events)),
    close: async () => {
      await queue.close();
      for (const p of publishers) await p.close();
      await nc.drain();
    },
  };
}
