/**
 * The bus of one run, chosen from its config: with `nats.url`, a NATS connection, the JetStream compression queue
 * and a {@link RunEventPublisher} forwarding the run's events; without it (the local embedded default), the
 * in-process queue, whose lifecycle events go straight to the run's event emitter.
 */
import type { EventEmitter } from 'node:events';
import type { NatsConnection } from '@nats-io/nats-core';
import type { RunConfig } from '../core/config';
import type { JobEventSink, JobQueue, JobQueueOptions } from './job-queue';
import { JetStreamJobQueue } from './job-queue-jetstream';
import { MemoryJobQueue } from './job-queue-memory';
import { connectNats } from './nats-connection';
import { RunEventPublisher } from './run-event-publisher';

/** A run's queue and event forwarding; {@link RunBus.close} releases them. */
export interface RunBus {
  readonly queue: JobQueue;
  /** The NATS connection (undefined in-process). */
  readonly nats?: NatsConnection;
  close(): Promise<void>;
}

/**
 * Opens the bus of `config`'s run.
 * @param events the run's event emitter (`Coordinator.events`): forwarded to NATS, or given the in-process queue's
 *   lifecycle events.
 * @param component names the NATS connection, e.g. `coordinator`.
 * @throws BusError when NATS cannot be reached.
 */
export async function openRunBus(config: RunConfig, events: Pick<EventEmitter, 'on' | 'off' | 'emit'>, component: string, options: JobQueueOptions = {}): Promise<RunBus> {
  const sink: JobEventSink = (_run, event, data) => {
    if (event === 'warning') events.emit('warning', (data as { message: string }).message);
    else events.emit(event, data);
  };
  if (!config.nats) {
    const queue = new MemoryJobQueue(options, sink);
    return { queue, close: () => queue.close() };
  }
  const nc = await connectNats(config.nats.url, { name: `${component}-${config.name}-${process.pid}` });
  const queue = new JetStreamJobQueue(nc, options);
  const publisher = new RunEventPublisher(nc, config.name, events);
  return {
    queue,
    nats: nc,
    close: async () => {
      await queue.close();
      await publisher.close();
      await nc.drain();
    },
  };
}
