/**
 * Small purpose-built fault servers on 127.0.0.1 for the fault suite. A fault node stands in front of
 * a real sandbox node (or of nothing) and misbehaves the way real nodes and balancers do: it accepts
 * and never answers, drips a byte a second, answers a login page with 200, sends 5 MB with and
 * without Content-Length, a malformed WWW-Authenticate, terminal escape sequences and bidi controls
 * in its reason phrase, headers and body, a control byte in a header, 500 then 200, or speaks TLS
 * with a certificate of an unknown CA. In `pass` mode it forwards every request to its target
 * unchanged (Host included, so OAuth signatures still verify), so a test can switch a healthy node
 * into a fault and back. Answers are written as raw bytes on the socket: Node's HTTP server would
 * refuse to send most of these faults.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import https from 'node:https';
import { makeTestCa, issueTestLeaf } from './_tls.ts';

export type FaultMode =
  | 'pass'
  | 'hang'
  | 'drip'
  | 'login-page'
  | 'big-length'
  | 'big-chunked'
  | 'bad-www-authenticate'
  | 'hostile-text'
  | 'control-header'
  | 'flaky-500'
  | 'reset';

/** Terminal and bidi controls a hostile node puts in what it sends (clear screen, set title, red, RLO). */
export const HOSTILE = '\u001b[2J\u001b]0;owned\u0007\u001b[31m\u202eevil\u202c\u009b31m';

export interface FaultServer {
  url: string;
  port: number;
  mode: FaultMode;
  /** Requests seen since start. */
  requests: number;
  setMode(mode: FaultMode): void;
  close(): Promise<void>;
}

export interface FaultOptions {
  /** Where `pass` (and the faults that pass some requests) forward to; null: answer 404 instead. */
  target?: string | null;
  /** Serve TLS with a certificate of a CA made here (trusted by nobody): the unknown-CA fault. */
  tlsCommonName?: string;
  /** `flaky-500`: how many requests answer 500 before the rest pass. Default 2. */
  failures?: number;
}

const MB5 = 5 * 1024 * 1024;

function raw(socket: Socket, head: string, body: Buffer | string = ''): void {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), b]));
}

/** Forwards to `target` and hands back status, headers and body as they came. */
function forward(
  target: string,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; message: string; headers: [string, string][]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url ?? '/', target);
    const out = http.request(
      u,
      { method: req.method, headers: { ...req.headers, connection: 'close' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          resolve({
            status: res.statusCode ?? 502,
            message: res.statusMessage ?? '',
            headers,
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function headLines(status: number, message: string, headers: [string, string][], length: number | null): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (const [k, v] of headers) {
    const l = k.toLowerCase();
    if (l === 'content-length' || l === 'transfer-encoding' || l === 'connection' || l === 'keep-alive') continue;
    lines.push(`${k}: ${v}`);
  }
  if (length !== null) lines.push(`Content-Length: ${length}`);
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export async function startFaultServer(mode: FaultMode, opts: FaultOptions = {}): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let failuresLeft = opts.failures ?? 2;
  const state = { mode, requests: 0 };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const body = Buffer.concat(chunks);
      void answer(state.mode, req, res, socket, body).catch(() => socket.destroy());
    });
  };

  const passOr404 = async (req: http.IncomingMessage, socket: Socket, body: Buffer) => {
    if (!opts.target) return raw(socket, headLines(404, 'Not Found', [], 0));
    const r = await forward(opts.target, req, body);
    raw(socket, headLines(r.status, r.message, r.headers, r.body.length), r.body);
  };

  const answer = async (
    m: FaultMode,
    req: http.IncomingMessage,
    _res: http.ServerResponse,
    socket: Socket,
    body: Buffer,
  ): Promise<void> => {
    switch (m) {
      case 'pass':
        return passOr404(req, socket, body);
      case 'hang':
        return; // the connection stays open, nothing is ever written
      case 'reset':
        socket.destroy();
        return;
      case 'drip': {
        const text = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n', 'latin1');
        let i = 0;
        const t = setInterval(() => {
          if (socket.destroyed || i >= text.length) {
            clearInterval(t);
            timers.delete(t);
            return;
          }
          socket.write(text.subarray(i, ++i));
        }, 1000);
        timers.add(t);
        return;
      }
      case 'login-page': {
        const page =
          '<!DOCTYPE html><html><body><form method="post" action="j_security_check">' +
          '<input name="j_username"><input type="password" name="j_password"></form></body></html>';
        return raw(
          socket,
          headLines(200, 'OK', [['Content-Type', 'text/html; charset=utf-8']], Buffer.byteLength(page)),
          page,
        );
      }
      case 'big-length':
        return raw(socket, headLines(200, 'OK', [['Content-Type', 'application/xml']], MB5), Buffer.alloc(MB5, 0x3c));
      case 'big-chunked': {
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
        );
        const chunk = Buffer.alloc(64 * 1024, 0x3c);
        for (let sent = 0; sent < MB5 && !socket.destroyed; sent += chunk.length) {
          const ok = socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
          if (!ok) await new Promise<void>((r) => socket.once('drain', r).once('close', r));
        }
        if (!socket.destroyed) socket.end('0\r\n\r\n');
        return;
      }
      case 'bad-www-authenticate': {
        if (!opts.target)
          return raw(
            socket,
            headLines(401, 'Unauthorized', [['WWW-Authenticate', 'OAuth realm="x, oauth_problem=="']], 0),
          );
        const r = await forward(opts.target, req, body);
        if (r.status !== 401) return raw(socket, headLines(r.status, r.message, r.headers, r.body.length), r.body);
        const headers = r.headers.filter(([k]) => k.toLowerCase() !== 'www-authenticate');
        headers.push(['WWW-Authenticate', 'OAuth realm="unterminated, oauth_problem="=,,=", , ="']);
        const junk = 'oauth_problem';
        return raw(socket, headLines(401, 'Unauthorized', headers, junk.length), junk);
      }
      case 'hostile-text': {
        // Bidi controls as UTF-8 in the reason phrase (HTTP allows obs-text there), escape
        // sequences percent-encoded in an OAuth problem body, which the engine decodes.
        const reason = Buffer.from(
          // eslint-disable-next-line no-control-regex -- llhttp refuses C0 in a reason phrase: keep the rest
          `Internal \u202eError\u202c ${HOSTILE.replace(/[\u0000-\u001f]/g, '')}`,
          'utf8',
        ).toString('latin1');
        const text = `oauth_problem=${encodeURIComponent(HOSTILE)}&oauth_problem_advice=${encodeURIComponent(`${HOSTILE}\nnode9: fine`)}`;
        return raw(
          socket,
          headLines(
            500,
            reason,
            [['Content-Type', `text/plain; x=${Buffer.from('\u202e', 'utf8').toString('latin1')}`]],
            Buffer.byteLength(text),
          ),
          text,
        );
      }
      case 'control-header':
        return raw(
          socket,
          `HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nX-Evil: a\u0001\u001b[2Jb\r\nContent-Length: 2\r\nConnection: close\r\n\r\n`,
          '<a',
        );
      case 'flaky-500':
        if (failuresLeft > 0) {
          failuresLeft--;
          return raw(socket, headLines(500, 'Internal Server Error', [['Content-Type', 'text/plain']], 4), 'oops');
        }
        return passOr404(req, socket, body);
    }
  };

  let server: http.Server;
  if (opts.tlsCommonName !== undefined) {
    const ca = await makeTestCa(`Nobody's CA ${opts.tlsCommonName}`);
    const leaf = await issueTestLeaf(ca, { commonName: opts.tlsCommonName });
    server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, handle);
  } else {
    server = http.createServer(handle);
  }
  server.keepAliveTimeout = 1;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_e, s: Socket) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tlsCommonName !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    url,
    port,
    get mode() {
      return state.mode;
    },
    get requests() {
      return state.requests;
    },
    setMode(m: FaultMode) {
      state.mode = m;
      failuresLeft = opts.failures ?? 2;
    },
    async close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** A port that was listening a moment ago and is closed now: connections to it are refused. */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
