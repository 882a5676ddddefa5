/**
 * The floor under the coordinator's CPU per task (bench/scale.ts): what grpc-js itself costs a server per round trip
 * on a bidirectional stream — one request message in, one reply out, as a worker's result and the next assignment
 * are — with the bytes passed through (no protobuf, no checks, no aggregation). The clients run in a child process,
 * `connections` streams on as many connections, each sending its next request when the reply to the last arrives
 * (ping-pong), so the server sees the same message pattern as the coordinator with that many workers. Only the
 * server's CPU (this process, user + system) is counted, from its first to its last round trip.
 *
 *   npx tsx bench/grpc-round-trip.ts [--connections 64] [--round-trips 20000] [--request-bytes 7200] [--reply-bytes 7200]
 */
import { spawn } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options';

/** A bidirectional-streaming method whose messages are raw bytes. */
const SERVICE = {
  Echo: {
    path: '/bench.RoundTrip/Echo',
    requestStream: true,
    responseStream: true,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
} satisfies grpc.ServiceDefinition;

/** Settings of {@link grpcRoundTripCpu}. */
export interface RoundTripOptions {
  /** Client streams, each on its own connection. */
  connections: number;
  /** Round trips in all (rounded up to a multiple of `connections`). */
  roundTrips: number;
  requestBytes: number;
  replyBytes: number;
}

/**
 * Microseconds of server CPU (user + system) per round trip over loopback gRPC, clients in a child process.
 * @throws Error when the client process fails.
 */
export async function grpcRoundTripCpu(o: RoundTripOptions): Promise<number> {
  const server = new grpc.Server();
  const reply = Buffer.alloc(o.replyBytes, 2);
  server.addService(SERVICE, {
    Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', () => call.write(reply));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const perConnection = Math.ceil(o.roundTrips / o.connections);
  const args = ['--client', `127.0.0.1:${port}`, '--connections', String(o.connections), '--round-trips', String(perConnection * o.connections), '--request-bytes', String(o.requestBytes), '--reply-bytes', String(o.replyBytes)];
  const client = spawn(process.execPath, [...process.execArgv, __filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The client prints a line once every connection is up, and exits when every round trip is done.
  let cpu = process.cpuUsage();
  client.stdout.once('data', () => (cpu = process.cpuUsage()));
  const code = await new Promise<number | null>((resolve) => client.once('exit', resolve));
  const used = process.cpuUsage(cpu);
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  if (code !== 0) throw new Error(`grpc-round-trip client exited with ${code}`);
  return (used.user + used.system) / (perConnection * o.connections);
}

/** The client side: `connections` ping-pong streams; prints `ready` once all are open, exits 0 when done. */
async function runClients(address: string, o: RoundTripOptions): Promise<void> {
  const Client = grpc.makeGenericClientConstructor(SERVICE, 'RoundTrip');
  const request = Buffer.alloc(o.requestBytes, 1);
  const perConnection = o.roundTrips / o.connections;
  const clients = Array.from({ length: o.connections }, () => new Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  await Promise.all(clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 30_000, (err) => (err ? reject(err) : resolve())))));
  process.stdout.write('ready\n');
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          const call = c.makeBidiStreamRequest<Buffer, Buffer>(SERVICE.Echo.path, SERVICE.Echo.requestSerialize, SERVICE.Echo.responseDeserialize);
          let replies = 0;
          call.on('data', () => {
            if (++replies < perConnection) call.write(request);
            else call.end();
          });
          call.on('error', reject);
          call.on('end', () => resolve());
          call.write(request);
        }),
    ),
  );
}

if (require.main === module) {
  const o = new Command()
    .option('--client <address>', '(internal) run the clients against this server')
    .option('--connections <n>', 'client streams, one connection each', positiveInt, 64)
    .option('--round-trips <n>', 'round trips in all', positiveInt, 20_000)
    .option('--request-bytes <n>', 'bytes per request (a worker result)', positiveInt, 7200)
    .option('--reply-bytes <n>', 'bytes per reply (an assignment)', positiveInt, 7200)
    .parse()
    .opts<RoundTripOptions & { client?: string }>();
  const run = o.client
    ? runClients(o.client, o)
    : grpcRoundTripCpu(o).then((us) => console.log(`gRPC floor: ${us.toFixed(1)} µs of server CPU per round trip (${o.requestBytes} B in, ${o.replyBytes} B out, ${o.connections} connections)`));
  run.then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
}
