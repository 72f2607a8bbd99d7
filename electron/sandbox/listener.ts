/**
 * One listening HTTP or HTTPS server that knows every socket it accepted, so it can really go away:
 * `close()` stops accepting and destroys open (keep-alive, pending) connections, and the next
 * connect is refused. Used for every node, the balancer and the control server.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface TlsMaterial {
  key: string;
  cert: string;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class Listener {
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: http.Server,
    readonly host: string,
    readonly port: number,
    readonly secure: boolean,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on `host:port` (0 = any free port) and resolves once the port is bound. */
  static async listen(host: string, port: number, tls: TlsMaterial | null, handler: RequestHandler): Promise<Listener> {
    const server: http.Server = tls
      ? https.createServer({ key: tls.key, cert: tls.cert }, handler)
      : http.createServer(handler);
    // A client that never finishes its request must not pin a socket forever.
    server.requestTimeout = 60_000;
    server.headersTimeout = 30_000;
    // TLS handshakes that fail (a client without our CA) are the client's problem, not a crash.
    server.on('tlsClientError', () => undefined);
    server.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
    return new Listener(server, host, address.port, tls !== null);
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.secure ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /** Stops listening and destroys every open socket; resolves once the port is released. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
    return this.closing;
  }
}
