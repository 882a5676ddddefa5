/**
 * A private nats-server with JetStream for one test file (the `nats-server` binary on PATH, as .ci/run
 * installs it): a free loopback port and its own store directory, so tests neither see nor disturb the shared
 * server or each other, and a restart keeps the streams (file storage) as a real restart does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private server. */
export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM) and starts it again on the same port and store; resolves when it accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitListening(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Exited: most often the port was taken between freePort() and the server's bind (another test file's process).
    if (child.exitCode !== null || child.signalCode !== null) throw new PortTakenError(`nats-server exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}

class PortTakenError extends Error {}

/**
 * Starts a private JetStream server; it is stopped and its store removed when the process exits. A first start whose
 * port was taken meanwhile (the server exits) tries another port, up to 3 times.
 * @param args more nats-server arguments, e.g. `['--user', 'u', '--pass', 'p']`.
 */
export async function startNatsServer(args: readonly string[] = []): Promise<TestNatsServer> {
  let port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'metatrain-nats-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store, ...args], { stdio: 'ignore' });
    await waitListening(port, child);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  process.on('exit', () => {
    child?.kill('SIGKILL');
    rmSync(store, { recursive: true, force: true });
  });
  for (let tries = 1; ; tries++) {
    try {
      await launch();
      break;
    } catch (e) {
      if (!(e instanceof PortTakenError) || tries === 3) throw e;
      port = await freePort();
    }
  }
  return { url: `nats://127.0.0.1:${port}`, port, restart: async () => (await stop(), await launch()), stop };
}
