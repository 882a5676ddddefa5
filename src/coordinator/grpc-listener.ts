/**
 * The coordinator's listening socket, in front of grpc-js (`Server.createConnectionInjector`). grpc-js's own
 * listener drops a connection that speaks the wrong security without a word on either side: a plaintext worker at a
 * TLS coordinator sees `UNAVAILABLE: Failed to connect` and retries forever. This listener reads the first bytes of
 * each connection (a TLS ClientHello starts with the record type 0x16, an HTTP/2 client with `PRI * HTTP/2.0`), does
 * the TLS handshake itself and checks the worker's certificate, so that every refused connection is logged
 * (rate-limited, with the peer and the reason) and the worker is told why:
 * - a plaintext client at a TLS coordinator gets, in plaintext, `UNAUTHENTICATED: this coordinator requires TLS …`
 *   on every call (an error a worker does not retry);
 * - a TLS client whose certificate is missing or not signed by the coordinator's CA gets, over TLS,
 *   `UNAUTHENTICATED: client certificate refused (<reason>)`; a failed handshake (the worker does not trust the
 *   coordinator's certificate) is logged with OpenSSL's reason;
 * - a TLS client at a plaintext coordinator is logged; it fails its handshake (`wrong version number`) as before.
 * The refusing server serves only those errors: no call of the run is reachable without the right credentials.
 */
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { listenHost } from '../core/http-endpoints';
import { listenError } from '../core/listen-failure';
import type { RateLimitedLog } from '../core/rate-limited-log';
import { loadTlsMaterial, type TlsFiles } from '../wire/tls-material';
import { metatrainProto } from '../wire/proto';

/** First byte of a TLS handshake record (RFC 8446 §5.1, ContentType handshake). */
const TLS_HANDSHAKE_RECORD = 0x16;

/** Time a new connection has to send its first bytes before it is closed: 10 s. */
export const FIRST_BYTES_TIMEOUT_MS = 10_000;

/** What a plaintext client at a TLS coordinator is told. */
export const PLAINTEXT_REFUSED = 'this coordinator requires TLS with a client certificate: start the worker with --tls-ca, --tls-cert and --tls-key (certificates signed by the coordinator\'s CA)';

/** Settings of {@link GrpcListener}. */
export interface GrpcListenerOptions {
  /** The server of the run's calls; it gets only connections with the right security (and certificate). */
  server: grpc.Server;
  /** Mutual TLS: the coordinator's certificate and the CA a worker's certificate must be signed by. */
  tls?: TlsFiles;
  /** Where refused connections and failed handshakes are logged. */
  log: RateLimitedLog;
}

/** A listening socket that hands grpc-js the connections it accepts and explains the ones it refuses. */
export class GrpcListener {
  private readonly net: NetServer;
  /** Connections that have not sent their first bytes yet (the others belong to grpc-js or a refusing server). */
  private readonly unrouted = new Set<Socket>();
  private readonly refusers: grpc.Server[] = [];
  /** `address:port` of each connection, read when it opens (a socket closed by a failed handshake has lost it). */
  private readonly peers = new WeakMap<Socket, string>();

  /** @throws TlsFileError when a TLS file is missing, unreadable, not PEM or the wrong kind, or the key is not the certificate's. */
  constructor(private readonly o: GrpcListenerOptions) {
    const accept = o.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const route = o.tls ? this.tlsRoute(accept) : this.plaintextRoute(accept);
    this.net = createServer((socket) => {
      this.unrouted.add(socket);
      this.peers.set(socket, peerOf(socket));
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(), FIRST_BYTES_TIMEOUT_MS).unref();
      socket.once('close', () => {
        clearTimeout(timer);
        this.unrouted.delete(socket);
      });
      socket.once('error', () => socket.destroy());
      socket.once('data', (first: Buffer) => {
        clearTimeout(timer);
        this.unrouted.delete(socket);
        socket.pause();
        socket.unshift(first);
        route(socket, first[0] === TLS_HANDSHAKE_RECORD);
      });
    });
  }

  /**
   * Binds `host:port` (`[v6]:port` too; port 0 = any free port).
   * @returns the bound port.
   * @throws ListenError `cannot listen on ADDRESS: WHY (CODE)` when it cannot be bound (a port in use, a host that is
   *   not this machine's or does not resolve, a privileged port: src/core/listen-failure.ts); Error on a malformed address.
   */
  listen(address: string): Promise<number> {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    if (!address.includes(':') || !Number.isInteger(port) || port < 0 || port > 65_535) {
      return Promise.reject(new Error(`listen address ${JSON.stringify(address)}: expected host:port with a port from 0 to 65535, 0 = any free port`));
    }
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException) => reject(listenError(address, err));
      this.net.once('error', failed);
      this.net.listen(port, listenHost(address), () => {
        this.net.off('error', failed);
        resolve((this.net.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Stops listening, closes the connections that have not sent anything yet and the refused ones; the accepted
   * ones stay with grpc-js (`Server.tryShutdown` / `forceShutdown` end them).
   */
  close(): void {
    this.net.close();
    for (const s of this.unrouted) s.destroy();
    for (const r of this.refusers) r.forceShutdown();
  }

  private plaintextRoute(accept: grpc.ConnectionInjector): (socket: Socket, tls: boolean) => void {
    return (socket, tls) => {
      if (tls) {
        this.o.log.warn('tls-at-plaintext', { peer: peerOf(socket) }, 'refused a TLS connection: this coordinator is plaintext (started without --tls-ca/--tls-cert/--tls-key); start the worker without them, or the coordinator with them');
      }
      // grpc-js answers a ClientHello with an HTTP/2 GOAWAY, which the client's TLS reports as `wrong version number`.
      accept.injectConnection(socket);
    };
  }

  private tlsRoute(accept: grpc.ConnectionInjector): (socket: Socket, tls: boolean) => void {
    const plaintextRefusal = this.refuser(grpc.ServerCredentials.createInsecure(), PLAINTEXT_REFUSED);
    // rejectUnauthorized is false so that a refused certificate reaches 'secureConnection', where it is checked,
    // logged and answered; a connection whose certificate does not verify never reaches `accept`.
    const tlsServer = createTlsServer({ ...loadTlsMaterial(this.o.tls!), requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    const refusals = new Map<string, grpc.ConnectionInjector>();
    tlsServer.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      // After a failed handshake the TLS socket has lost its address; the raw socket under it (`_parent`) has it.
      const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
      this.o.log.warn('tls-handshake', { peer: (raw && this.peers.get(raw)) ?? peerOf(socket), err: err.message }, 'TLS handshake with a worker failed (does the worker trust this coordinator\'s certificate, through its --tls-ca?)');
    });
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      if (socket.authorized) return accept.injectConnection(socket);
      const reason = String(socket.authorizationError ?? 'no certificate');
      this.o.log.warn('tls-certificate', { peer: peerOf(socket), reason }, 'refused a worker\'s client certificate');
      let refusal = refusals.get(reason);
      if (!refusal) {
        refusal = this.refuser(grpc.ServerCredentials.createInsecure(), `client certificate refused (${reason}): a worker needs a certificate signed by the coordinator's CA (--tls-cert, --tls-key)`);
        refusals.set(reason, refusal);
      }
      refusal.injectConnection(socket);
    });
    return (socket, tls) => {
      if (tls) {
        tlsServer.emit('connection', socket);
        return;
      }
      this.o.log.warn('plaintext-at-tls', { peer: peerOf(socket) }, 'refused a plaintext connection: this coordinator requires TLS (the worker was started without --tls-ca/--tls-cert/--tls-key)');
      plaintextRefusal.injectConnection(socket);
    };
  }

  /** A connection injector of a server whose every call fails with UNAUTHENTICATED `details`. */
  private refuser(credentials: grpc.ServerCredentials, details: string): grpc.ConnectionInjector {
    const server = new grpc.Server();
    const refused = { code: grpc.status.UNAUTHENTICATED, details };
    const service = metatrainProto().Coordinator.service;
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(service)) {
      handlers[name] = method.responseStream
        ? (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', refused)
        : (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(refused);
    }
    server.addService(service, handlers);
    this.refusers.push(server);
    return server.createConnectionInjector(credentials);
  }
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}
