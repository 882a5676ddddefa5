/**
 * `metatrain watch` over NATS: subscribes to `metatrain.run.<run>.>` (src/bus/run-subjects.ts) and shows every
 * event of the run until `finished` or a terminal `phase`. Core NATS keeps no history: start watching before or
 * while the run runs.
 */
import { connectNats, parseRunEventMessage, runEventsWildcard } from '../bus';
import { BusError } from '../core/errors';
import { endOf, type WatchEnd, type WatchEvent } from './watch-event';

/**
 * Watches run `run` on the NATS server(s) at `url`; `onReady` is called once the subscription is registered
 * at the server. A message that breaks the event contract is shown as a warning and skipped.
 * @throws BusError when NATS cannot be reached or the subscription ends early; ProtocolError when `run` is not a
 *   DNS label.
 */
export async function watchNats(url: string, run: string, show: (e: WatchEvent) => void, onReady: () => void = () => undefined): Promise<WatchEnd> {
  const subject = runEventsWildcard(run);
  const nc = await connectNats(url, { name: `metatrain-watch-${process.pid}` });
  try {
    const sub = nc.subscribe(subject);
    await nc.flush();
    onReady();
    for await (const msg of sub) {
      let e: WatchEvent;
      try {
        e = parseRunEventMessage(msg.string());
      } catch (err) {
        show({ event: 'warning', time: new Date().toISOString(), data: { message: `skipped a malformed event on ${msg.subject}: ${(err as Error).message}` } });
        continue;
      }
      show(e);
      const end = endOf(e);
      if (end) return end;
    }
    throw new BusError(`subscription to ${subject} on ${url} ended before the run did`);
  } finally {
    await nc.close();
  }
}
