/** Creating a JetStream stream idempotently (shared by the compression queue and the run-state record). */
import type { JetStreamManager } from '@nats-io/jetstream';
import { BusError } from '../core/errors';

/**
 * Adds a stream unless one of that name exists (whose settings are then kept).
 * @throws BusError naming the stream when the server refuses to create it.
 */
export async function addStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]): Promise<void> {
  const exists = await jsm.streams.info(config.name!).then(
    () => true,
    () => false,
  );
  if (!exists) {
    try {
      await jsm.streams.add(config);
    } catch (e) {
      throw new BusError(`cannot create JetStream stream ${config.name}: ${(e as Error).message}`, { cause: e });
    }
  }
}
