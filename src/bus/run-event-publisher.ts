/**
 * Publishes a run's events to NATS (contract in run-subjects.ts): subscribes to an emitter of RunEvents (the
 * coordinator's `events`) and sends each event in {@link RUN_EVENT_NAMES} as `metatrain.run.<run>.<event>`.
 * Positional payloads become objects: `phase` → `{phase, message}`, `workers` → `{count}`, `warning` →
 * `{message}`; the others are already one object. Core NATS publish: buffered while reconnecting, never blocks
 * the run.
 */
import type { EventEmitter } from 'node:events';
import type { NatsConnection } from '@nats-io/nats-core';
import { RUN_EVENT_NAMES, runEventMessage, runEventSubject, type RunEventName } from './run-subjects';

/** The `data` object of event `event` emitted with `args`. */
export function runEventData(event: RunEventName, args: readonly unknown[]): Record<string, unknown> {
  switch (event) {
    case 'phase':
      return { phase: args[0], message: args[1] };
    case 'workers':
      return { count: args[0] };
    case 'warning':
      return { message: args[0] };
    default:
      return { ...(args[0] as Record<string, unknown>) };
  }
}

/** Forwards one run's events to NATS until {@link RunEventPublisher.close}. */
export class RunEventPublisher {
  private readonly listeners = new Map<RunEventName, (...args: unknown[]) => void>();

  /**
   * Starts forwarding.
   * @param source emitter of the run's events (`Coordinator.events`); only {@link RUN_EVENT_NAMES} are forwarded.
   * @throws ProtocolError when `run` is not a DNS label.
   */
  constructor(
    private readonly nc: NatsConnection,
    readonly run: string,
    private readonly source: Pick<EventEmitter, 'on' | 'off'>,
  ) {
    for (const event of RUN_EVENT_NAMES) {
      const subject = runEventSubject(run, event);
      const listener = (...args: unknown[]) => {
        if (nc.isClosed()) return;
        nc.publish(subject, JSON.stringify(runEventMessage(run, event, runEventData(event, args))));
      };
      this.listeners.set(event, listener);
      source.on(event, listener);
    }
  }

  /** Stops forwarding and flushes what was published (the connection stays open). */
  async close(): Promise<void> {
    for (const [event, listener] of this.listeners) this.source.off(event, listener);
    this.listeners.clear();
    if (!this.nc.isClosed()) await this.nc.flush();
  }
}
