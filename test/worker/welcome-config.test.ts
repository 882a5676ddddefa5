/**
 * A worker builds its engine from the run config the coordinator's `welcome` carries, read as a recorded config
 * (src/core/config.ts parseRecordedConfig): its `nats.url` is the coordinator's business, so a coordinator of an
 * earlier version whose config holds a NATS URL that this version's syntax check refuses is still served. Real gRPC
 * over loopback against a stub Coordinator service that answers `hello` with `welcome`, then `finished`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '../../src/core/logger';
import { parseRunConfig, type RunConfig } from '../../src/core/config';
import { metatrainProto, type CoordinatorMessage, type WorkerMessage } from '../../src/wire/proto';
import { simulatedEngine } from '../../src/sim/simulated-engine';
import { timeModelSchema } from '../../src/sim/time-model';
import { SimulatedWorker } from '../../src/sim/simulated-session';
import { Worker } from '../../src/worker/worker';

/** Tasks of 1 ms (the stub gives none). */
const time = timeModelSchema.parse({ kind: 'fixed', ms: 1 });

/** A config as an earlier coordinator sent it: valid then, its `nats.url` refused by today's syntax check. */
function earlierConfig(): Record<string, unknown> {
  const config = parseRunConfig({ name: 'earlier', task: { family: 'sinusoid' }, model: { kind: 'sinusoid-mlp' } });
  return { ...config, nats: { url: 'http://nats:4222' } };
}

/** A Coordinator service that welcomes each worker with `configJson` and tells it at once that the run is over. */
async function stubCoordinator(configJson: string): Promise<{ address: string; stop(): void }> {
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, callback: (err: grpc.ServiceError) => void) => callback({ code: grpc.status.UNIMPLEMENTED } as grpc.ServiceError);
  server.addService(metatrainProto().Coordinator.service, {
    Join: (call: grpc.ServerDuplexStream<WorkerMessage, CoordinatorMessage>) => {
      call.on('data', (m: WorkerMessage) => {
        if (!m.hello) return;
        call.write({ welcome: { workerId: 'w-1', runName: 'earlier', configJson } });
        call.write({ finished: { phase: 'succeeded', message: 'run complete' } });
        call.end();
      });
      call.on('error', () => undefined);
    },
    GetParameters: unimplemented,
    GetStatus: unimplemented,
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

test('a worker serves a coordinator whose welcome config holds a nats.url this version refuses (earlier versions recorded such)', { timeout: 20_000 }, async () => {
  assert.throws(() => parseRunConfig(earlierConfig()), /nats\.url/, 'the config is refused as a new run config');
  const coordinator = await stubCoordinator(JSON.stringify(earlierConfig()));
  const log = createLogger('welcome-config-test');
  log.level = 'silent';
  try {
    const built: RunConfig[] = [];
    const worker = new Worker({
      address: coordinator.address,
      token: 'token',
      name: 'w',
      backend: 'simulated',
      log,
      createEngine: async (config) => {
        built.push(config);
        return simulatedEngine(config, time, 'w');
      },
    });
    await worker.run();
    assert.equal(built.length, 1, 'the engine was built for the run');
    assert.equal(built[0]!.nats?.url, 'http://nats:4222');
    assert.equal(built[0]!.name, 'earlier');

    // The simulated workers of bench/scale read the welcome config the same way.
    const simulated = new SimulatedWorker({ address: coordinator.address, token: 'token', name: 's', time, log });
    await simulated.run();
  } finally {
    coordinator.stop();
  }
});
