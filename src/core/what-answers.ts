/**
 * What kind of server answers at a TCP address, from its first bytes: a NATS server greets every connection with
 * `INFO {…}`; an HTTP server says nothing until asked, then answers `HTTP/1.…`. Used to name the wrong port a user
 * gave (a NATS port as a coordinator's, an HTTP monitoring or metrics port as NATS).
 */
import { connect } from 'node:net';

/** How long to wait for a greeting, then for the answer to an HTTP request, in ms. */
const ANSWER_MS = 1000;

/**
 * What answers at an address: `nats` (an `INFO {` greeting), `http` (`HTTP/1.` to a request), `tls` (a TLS record:
 * alert 0x15 or handshake 0x16, as a server that speaks TLS first answers plain bytes, a NATS server with
 * `handshake_first` among them), `other` (other bytes), `silent` (it took the connection, but said nothing) or
 * `unreachable` (no connection).
 */
export type Answerer = 'nats' | 'http' | 'tls' | 'other' | 'silent' | 'unreachable';

/** The first byte of a TLS record that a server sends to a client that did not speak TLS: alert (21) or handshake (22). */
const TLS_RECORD_TYPES = [0x15, 0x16];

/**
 * Connects to `host:port` and tells what answers there ({@link Answerer}): first waits for a greeting, then, when
 * none came, sends an HTTP/1.0 request for `/` and reads the answer. Takes at most about 2 s. Never throws.
 */
export function whatAnswers(host: string, port: number): Promise<Answerer> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let connected = false;
    let asked = false;
    const done = (answerer: Answerer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answerer);
    };
    const wait = () => setTimeout(() => (connected && !asked ? ask() : done(connected ? 'silent' : 'unreachable')), ANSWER_MS);
    const ask = () => {
      asked = true;
      timer = wait();
      socket.write(`GET / HTTP/1.0\r\nHost: ${host.includes(':') ? `[${host}]` : host}:${port}\r\n\r\n`);
    };
    let timer = wait();
    socket.once('connect', () => (connected = true));
    socket.once('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      done(text.startsWith('INFO {') ? 'nats' : text.startsWith('HTTP/1.') ? 'http' : TLS_RECORD_TYPES.includes(chunk[0]!) ? 'tls' : 'other');
    });
    socket.once('error', () => done(connected ? 'silent' : 'unreachable'));
    socket.once('close', () => done(connected ? 'silent' : 'unreachable'));
  });
}
